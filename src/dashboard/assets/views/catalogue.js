// The catalogue: architectures and variants with their profiles; for one
// family (task/dataset), accuracy against batch-1 latency — the trade-off a
// model-less query chooses from — and latency against batch size per variant.

import { drawChart, formatNumber } from "../charts.js";
import { emptyState, h, ms, bytes, replace, table } from "../dom.js";

const MAX_ARCHITECTURES = 50;  // fetched per refresh; the CLI's catalog lists more

export async function fetchCatalogue(getJson) {
  const list = await getJson("/v1/architectures");
  const names = (list.architectures || []).slice(0, MAX_ARCHITECTURES);
  const infos = await Promise.all(
    names.map((a) => getJson("/v1/architectures/" + encodeURIComponent(a))));
  const variants = infos.flatMap((info) => info.variants || []);
  return { variants, truncated: (list.architectures || []).length > names.length };
}

const familyOf = (v) => `${v.record.config.task}/${v.record.config.dataset}`;
const batchOne = (v) => ((v.record.profile.latency || [])[0] || {}).median_ms;
const framework = (c) => String(c.framework || "").replace("FRAMEWORK_", "").toLowerCase();

let chosenFamily = "";

export function renderCatalogue(catalogue, rerender) {
  const variants = catalogue.variants;
  if (variants.length === 0) {
    replace("catalogue-families", emptyState("The catalogue is empty.",
      "Register a model with `infaas register --config model.pbtxt --model-url DIR` " +
      "(see docs/models.md), or start with `infaas up`, which registers the shipped zoo."));
    replace("catalogue-variants");
    drawChart(document.getElementById("catalogue-tradeoff"), { series: [] });
    drawChart(document.getElementById("catalogue-batches"), { series: [] });
    return;
  }
  const families = [...new Set(variants.map(familyOf))].sort();
  if (!families.includes(chosenFamily)) chosenFamily = families[0];
  const select = h("select", { id: "family-select" },
                   families.map((f) => h("option", { value: f, selected: f === chosenFamily }, f)));
  select.addEventListener("change", () => { chosenFamily = select.value; rerender(); });
  replace("catalogue-families", h("label", {}, "Model family (task/dataset) ", select),
          catalogue.truncated ? h("p", { className: "muted" },
            `Showing the first ${MAX_ARCHITECTURES} architectures.`) : null);

  const inFamily = variants.filter((v) => familyOf(v) === chosenFamily);
  const architectures = [...new Set(inFamily.map((v) => v.record.config.architecture))].sort();
  document.getElementById("catalogue-tradeoff-caption").textContent =
    `${chosenFamily}: accuracy against latency at batch 1 (each point a variant)`;
  drawChart(document.getElementById("catalogue-tradeoff"), {
    points: true,
    series: architectures.map((a) => ({ name: a,
      points: inFamily.filter((v) => v.record.config.architecture === a && batchOne(v) > 0)
        .map((v) => [batchOne(v), v.record.profile.accuracy_percent, v.record.config.name]) })),
    x: { min: 0, label: "ms at batch 1" }, y: { label: "accuracy %" },
  });
  drawChart(document.getElementById("catalogue-batches"), {
    series: inFamily.map((v) => ({ name: v.record.config.name,
      points: (v.record.profile.latency || []).map((l) => [l.batch_size, l.median_ms]) })),
    x: { min: 0, label: "batch size" }, y: { min: 0, label: "ms" },
  });
  replace("catalogue-variants", table(
    ["variant", "architecture", "framework", "max batch", "accuracy", "batch 1", "load",
     "memory", "loaded on"],
    inFamily.map((v) => {
      const c = v.record.config, p = v.record.profile;
      return [c.name, c.architecture, framework(c), c.max_batch_size,
              formatNumber(p.accuracy_percent) + "%", ms(batchOne(v)), ms(p.load_latency_ms),
              bytes(p.peak_memory_bytes), (v.loaded_on_workers || []).join(", ") || "–"];
    }), { id: "variants-table" }));
}

// What groupSeries needs to regroup service levels: each variant's
// architecture, each variant's and architecture's family.
export function catalogueMaps(catalogue) {
  const architectureOf = new Map(), familyOf = new Map();
  for (const v of catalogue.variants) {
    const c = v.record.config;
    architectureOf.set(c.name, c.architecture);
    familyOf.set(c.name, `${c.task}/${c.dataset}`);
    familyOf.set(c.architecture, `${c.task}/${c.dataset}`);
  }
  return { architectureOf, familyOf };
}

// Names for the playground's suggestions.
export function catalogueNames(catalogue) {
  const vs = catalogue.variants;
  return {
    variants: [...new Set(vs.map((v) => v.record.config.name))].sort(),
    architectures: [...new Set(vs.map((v) => v.record.config.architecture))].sort(),
    datasets: [...new Set(vs.map((v) => v.record.config.dataset))].sort(),
  };
}

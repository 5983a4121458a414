// The query playground: one query in any of the three forms, with an
// uploaded image; shows the answer, the variant and worker chosen and why —
// or, for a request nothing can meet, the master's nearest alternatives.

import { ApiError } from "../api.js";
import { h, ms, replace, table } from "../dom.js";

const TOP = 5;

function softmaxTop(values, labels, k) {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e, i) => ({ index: i, label: labels[i] || `class ${i}`, score: e / sum }))
    .sort((a, b) => b.score - a.score).slice(0, k);
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// The QueryOnlineRequest the form describes (without its input).
export function requestFromForm(form) {
  const data = new FormData(form);
  const which = data.get("form");
  const request = {};
  if (which === "variant") {
    request.variant = data.get("variant");
  } else {
    request.latency_slo_ms = Number(data.get("slo"));
    if (which === "architecture") {
      request.architecture = data.get("architecture");
    } else {
      request.task = data.get("task");
      request.dataset = data.get("dataset");
      request.min_accuracy_percent = Number(data.get("accuracy"));
    }
  }
  return request;
}

function why(request, response, accuracyOf) {
  const predicted = ms(response.predicted_latency_ms);
  const accuracy = accuracyOf(response.variant);
  if (request.variant) {
    return `You named the variant; the master sent it to ${response.worker}, where it ` +
           `predicted ${predicted}.`;
  }
  const met = [`predicted ${predicted} within the ${ms(request.latency_slo_ms)} target`];
  if (request.min_accuracy_percent > 0 && accuracy !== undefined) {
    met.push(`accuracy ${accuracy.toFixed(1)}% ≥ ${request.min_accuracy_percent}%`);
  }
  return `The least costly variant that meets the query: ${met.join(", ")}` +
         (response.loaded ? "; it was loaded for this query." : ".");
}

// The variants a refusal names (its nearest alternatives), each with a
// button that puts it in the form.
function alternatives(message, variantNames, form) {
  const named = variantNames().filter((n) => message.includes(n));
  if (named.length === 0) return null;
  return h("div", { id: "query-alternatives" }, h("p", {}, "Alternatives the master named:"),
    h("ul", {}, named.map((name) => {
      const use = h("button", { type: "button" }, "use it");
      use.addEventListener("click", () => {
        form.querySelector('input[name=form][value=variant]').checked = true;
        form.elements.variant.value = name;
        form.dispatchEvent(new Event("change"));
      });
      return h("li", {}, h("code", {}, name), " ", use);
    })));
}

export function setUpPlayground(postJson, accuracyOf, variantNames) {
  const form = document.getElementById("query-form");
  const showFields = () => {
    const which = new FormData(form).get("form");
    for (const label of form.querySelectorAll("[data-forms]")) {
      label.hidden = !label.dataset.forms.split(" ").includes(which);
    }
  };
  form.addEventListener("change", showFields);
  showFields();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.image.files[0];
    if (!file) {
      replace("query-result", h("p", { className: "error", id: "query-error" },
                                "Choose an image (PNG or JPEG) to send."));
      return;
    }
    const request = requestFromForm(form);
    request.inputs = [{ encoded_image: await readBase64(file) }];
    replace("query-result", h("p", { className: "muted" }, "running…"));
    try {
      const r = await postJson("/v1/query", request);
      const top = softmaxTop((r.outputs[0] || {}).values || [], r.labels || [], TOP);
      replace("query-result",
        h("p", { id: "query-answer" }, "Answer: ",
          h("strong", { id: "query-class" }, top.length ? top[0].label : "–"),
          top.length ? ` (class ${top[0].index}, ${(100 * top[0].score).toFixed(1)}%)` : ""),
        table(["variant", "worker", "predicted", "measured", "target", "queue", "batch"],
              [[r.variant, r.worker, ms(r.predicted_latency_ms), ms(r.measured_latency_ms),
                r.latency_slo_ms ? ms(r.latency_slo_ms) : "none", ms(r.queue_time_ms),
                r.batch_size]], { id: "query-choice" }),
        h("p", { id: "query-reason" }, why(request, r, accuracyOf),
          r.slo_missed ? " It missed its target this time." : ""),
        table(["class", "label", "probability"],
              top.map((c) => [c.index, c.label, (100 * c.score).toFixed(1) + "%"])));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      replace("query-result", h("div", { className: "error", id: "query-error" },
        h("strong", {}, `Refused (HTTP ${e.status}). `), e.message),
        alternatives(e.message, variantNames, form));
    }
  });
}

// SLOs: per name queries gave, attainment and goodput over the last minutes
// and refusals by reason, as a table (last minute) and as time series.

import { drawChart, formatNumber } from "../charts.js";
import { emptyState, percent, replace, table } from "../dom.js";
import { groupSeries, mergeAll, series, timeAxis, totals } from "../service_levels.js";

export const HISTORY_SECONDS = 300;
const SMOOTH_SECONDS = 10;

const FIRST_COLUMN = { named: "asked for", architecture: "architecture", family: "model family" };

// `grouping`: {by: "named" | "architecture" | "family", catalogue: the name
// maps groupSeries needs}.
export function renderSlo(status, grouping) {
  const levels = groupSeries(status.service_levels || [], grouping.catalogue, grouping.by);
  const nowS = Math.floor(Number(status.now_unix_ms) / 1000);
  if (levels.length === 0) {
    replace("slo-summary", emptyState("No queries in the last 5 minutes.",
      "Send some (`infaas query --architecture resnet_mini --latency 100 IMAGE`, " +
      "or the Query playground) and their service levels appear here."));
  } else {
    replace("slo-summary", table(
      [FIRST_COLUMN[grouping.by], "form", "queries (1 min)", "SLO attainment (1 min)", "goodput (1 min)",
       "late", "refused, by reason"],
      levels.map((s) => {
        const t = totals(s.points || [], nowS, 60);
        const reasons = Object.entries(t.reasons).map(([r, n]) => `${r} ${n}`).join(", ");
        return [s.name, s.form, t.queries, percent(t.attainment),
                formatNumber(t.goodput) + "/s", t.late, reasons || "–"];
      }), { id: "slo-table" }));
  }
  const x = timeAxis(status, HISTORY_SECONDS);
  drawChart(document.getElementById("slo-attainment"), {
    series: levels.map((s) => ({ name: s.name,
      points: series(s.points || [], nowS, x.span, SMOOTH_SECONDS, (t) => t.attainment, true) })),
    x, y: { min: 0, max: 1, format: (v) => (100 * v).toFixed(0) + "%" },
    empty: "no queries yet",
  });
  drawChart(document.getElementById("slo-goodput"), {
    series: levels.map((s) => ({ name: s.name,
      points: series(s.points || [], nowS, x.span, SMOOTH_SECONDS, (t) => t.goodput, false) })),
    x, y: { min: 0, label: "per second" }, empty: "no queries yet",
  });
  const merged = mergeAll(levels);
  const reasons = [...new Set(merged.flatMap((p) => Object.keys(p.refused)))].sort();
  drawChart(document.getElementById("slo-refusals"), {
    series: reasons.map((r) => ({ name: r,
      points: series(merged, nowS, x.span, SMOOTH_SECONDS,
                     (t) => (t.reasons[r] || 0) / SMOOTH_SECONDS, false) })),
    x, y: { min: 0, label: "per second" }, empty: "no refusals in the last 5 minutes",
  });
}

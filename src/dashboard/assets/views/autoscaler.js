// The autoscaler: its policy and a timeline of its actions on the same time
// axis as the load it answered.

import { drawChart } from "../charts.js";
import { emptyState, h, replace } from "../dom.js";
import { mergeAll, series, timeAxis } from "../service_levels.js";
import { HISTORY_SECONDS } from "./slo.js";

const KIND_NAMES = {
  set_instances: "set instances", replace: "replace", add_worker: "add worker",
  remove_worker: "remove worker",
};

function clockTime(ms) { return new Date(ms).toLocaleTimeString(); }

export function renderAutoscaler(status) {
  const nowS = Math.floor(Number(status.now_unix_ms) / 1000);
  const events = (status.recent_scaling || []).map((e) => ({ ...e, at: Number(e.at_unix_ms) }));
  replace("autoscaler-policy", status.autoscaler
    ? h("span", {}, "Scaling policy: ", h("strong", { id: "autoscaler-name" }, status.autoscaler))
    : emptyState("The autoscaler is off.",
                 "Start the master with `--autoscaler infaas` (as `infaas up` does) for " +
                 "replicas, upgrades and workers to follow the load."));
  const merged = mergeAll(status.service_levels || []);
  const x = timeAxis(status, HISTORY_SECONDS);
  drawChart(document.getElementById("autoscaler-timeline"), {
    series: [
      { name: "queries/s", points: series(merged, nowS, x.span, 5,
                                          (t) => t.queries / 5, false) },
      { name: "refused/s", points: series(merged, nowS, x.span, 5,
                                          (t) => t.refused / 5, false) },
    ],
    markers: events.filter((e) => e.at >= x.min)
      .map((e) => ({ x: e.at, label: clockTime(e.at) + " " + e.action, kind: e.kind })),
    x,
    y: { min: 0, label: "per second" },
  });
  if (events.length === 0) {
    replace("autoscaler-actions", emptyState("No actions yet.",
      "The autoscaler acts when load moves: replicas under load, unloads when idle."));
    return;
  }
  const rows = [...events].reverse().map((e) =>
    h("tr", { "data-kind": e.kind, "data-at-unix-ms": String(e.at) },
      h("td", {}, clockTime(e.at)), h("td", {}, h("span", { className: "kind " + e.kind },
                                                     KIND_NAMES[e.kind] || e.kind)),
      h("td", {}, e.variant || "–"), h("td", {}, e.worker || "–"),
      h("td", {}, e.kind === "set_instances" || e.kind === "replace" ? e.instances : "–"),
      h("td", {}, e.reason || "")));
  replace("autoscaler-actions", h("table", { id: "actions-table" },
    h("thead", {}, h("tr", {}, ["time", "action", "variant", "worker", "instances", "why"]
      .map((c) => h("th", {}, c)))),
    h("tbody", {}, rows)));
}

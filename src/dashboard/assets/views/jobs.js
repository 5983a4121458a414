// Offline jobs: progress, rate, time left, failures with reasons, cancel.

import { emptyState, h, replace } from "../dom.js";

const FINISHED = new Set(["DONE", "FAILED", "CANCELLED"]);

function failureText(job) {
  const failures = job.failures || [];
  if (job.error) return job.error;
  if (job.paused_reason) return "paused: " + job.paused_reason;
  if (failures.length === 0) return "";
  const last = failures[failures.length - 1];
  return `${last.input}: ${last.reason}` + (failures.length > 1 ? ` (+${failures.length - 1} more)` : "");
}

export function renderJobs(list, cancel) {
  const jobs = list.jobs || [];
  if (jobs.length === 0) {
    replace("jobs-table", emptyState("No offline jobs.",
      "Submit one with `infaas offline --input DIR --output DIR --architecture NAME`; " +
      "it runs in the background on spare capacity."));
    return;
  }
  const columns = ["job", "state", "progress", "rate", "time left", "failed", "failures", ""];
  const rows = jobs.map((j) => {
    const total = Number(j.items_total || 0);
    const done = Number(j.items_done || 0) + Number(j.items_failed || 0);
    const rate = Number(j.items_per_second || 0);
    const state = String(j.state || "").replace("STATE_", "");
    const eta = !FINISHED.has(state) && rate > 0 ? `${Math.ceil((total - done) / rate)} s` : "–";
    let action = "";
    if (!FINISHED.has(state)) {
      action = h("button", { "data-job": j.id }, "Cancel");
      action.addEventListener("click", () => cancel(j.id));
    }
    return h("tr", { "data-job-id": j.id },
      [j.id, state.toLowerCase(), h("span", {}, h("progress", { max: total || 1, value: done }),
                                    ` ${done}/${total}`),
       rate > 0 ? rate.toFixed(1) + "/s" : "–", eta, j.items_failed || 0, failureText(j), action]
        .map((c) => h("td", {}, c)));
  });
  replace("jobs-table", h("table", { id: "jobs" },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c)))), h("tbody", {}, rows)));
}

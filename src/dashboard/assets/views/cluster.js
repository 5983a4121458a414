// The cluster: workers (cores, CPU, memory, draining) and, per variant and
// worker, its instances, queue, rate, latency and the latency model's error.

import { emptyState, ms, percent, bytes, replace, table } from "../dom.js";

export function renderCluster(status) {
  const workers = status.workers || [];
  if (workers.length === 0) {
    replace("cluster-workers", emptyState("No workers.",
      "Start some with `infaas up --workers 2` on this machine, or `infaas-worker --master " +
      location.hostname + ":50052` on another."));
    replace("cluster-variants");
    return;
  }
  replace("cluster-workers", table(
    ["worker", "address", "cores", "CPU", "free memory", "state", "variants"],
    workers.map((w) => [w.id, w.address, w.cores || 0, percent(w.cpu_utilization || 0),
                        bytes(w.free_memory_bytes), w.draining ? "draining" : "serving",
                        (w.variants || []).length]),
    { id: "workers-table" }));
  const rows = [];
  for (const w of workers) {
    for (const v of w.variants || []) {
      rows.push([v.variant, w.id, v.instances || 0, v.queue_length || 0,
                 (v.qps || 0).toFixed(1), ms(v.p50_latency_ms), ms(v.p99_latency_ms),
                 ms(v.execution_ms),
                 v.prediction_error_p50 ? percent(v.prediction_error_p50) + " / " +
                   percent(v.prediction_error_p90) : "–"]);
    }
  }
  replace("cluster-variants", rows.length === 0
    ? emptyState("Nothing loaded yet.",
                 "A query loads what it needs; try one in the Query playground.")
    : table(["variant", "worker", "instances", "queue", "QPS", "p50", "p99",
             "predicted batch-1 run", "prediction error p50 / p90"], rows));
}

// "2 worker(s), 3 variant placement(s)", for the header.
export const clusterSummary = (status) => {
  const workers = status.workers || [];
  const loaded = workers.reduce((n, w) => n + (w.variants || []).length, 0);
  return `${workers.length} worker(s), ${loaded} variant placement(s)`;
};

// Unit tests of the dashboard's pure figures (src/dashboard/assets/
// service_levels.js) with node's own test runner: `node --test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { groupSeries, mergeAll, series, timeAxis, totals } from "../../src/dashboard/assets/service_levels.js";

const point = (s, within, late, refused = {}) =>
  ({ at_unix_s: String(s), answered: within + late, within_target: within, missed_target: late,
     refused });

test("totals sum the window and count refusals as not attained", () => {
  const points = [point(90, 50, 0), point(95, 8, 1, { resource_exhausted: 1 }), point(100, 10, 0)];
  const t = totals(points, 100, 10);  // seconds 91..100
  assert.equal(t.answered, 19);
  assert.equal(t.refused, 1);
  assert.equal(t.queries, 20);
  assert.equal(t.attainment, 18 / 20);
  assert.equal(t.goodput, 1.8);
  assert.deepEqual(t.reasons, { resource_exhausted: 1 });
  assert.ok(Number.isNaN(totals([], 100, 10).attainment));
});

test("series smooths over a window and can leave out seconds without queries", () => {
  const points = [point(98, 1, 1), point(100, 2, 0)];
  const all = series(points, 100, 5, 2, (t) => t.queries, false);
  assert.deepEqual(all.map(([ms]) => ms / 1000), [96, 97, 98, 99, 100]);
  assert.deepEqual(all.map(([, v]) => v), [0, 0, 2, 2, 2]);
  const some = series(points, 100, 5, 1, (t) => t.attainment, true);
  assert.deepEqual(some, [[98000, 0.5], [100000, 1]]);
});

test("mergeAll adds the series of every name second by second", () => {
  const merged = mergeAll([
    { name: "a", points: [point(1, 1, 0, { failed_precondition: 2 })] },
    { name: "b", points: [point(1, 0, 1, { failed_precondition: 1 }), point(2, 3, 0)] },
  ]);
  assert.equal(merged.length, 2);
  assert.equal(merged[0].answered, 2);
  assert.deepEqual(merged[0].refused, { failed_precondition: 3 });
  assert.equal(merged[1].within_target, 3);
});

test("the time axis starts a little before the first event, at least a minute back", () => {
  const status = { now_unix_ms: "1000000", service_levels: [{ points: [point(990, 1, 0)] }],
                   recent_scaling: [] };
  assert.equal(timeAxis(status, 300).min, (1000 - 60) * 1000);
  status.recent_scaling = [{ at_unix_ms: String(800 * 1000) }];
  assert.equal(timeAxis(status, 300).min, 795 * 1000);
  status.recent_scaling = [{ at_unix_ms: "1" }];
  assert.equal(timeAxis(status, 300).min, 700 * 1000);  // never past the history
});

test("groupSeries puts variants under architectures and both under families", () => {
  const levels = [
    { name: "lenet5_onnx_cpu1_b1", form: "variant", points: [point(1, 1, 0)] },
    { name: "lenet5", form: "architecture", points: [point(1, 2, 0)] },
    { name: "classification/fashion-mnist", form: "task", points: [point(1, 0, 1)] },
    { name: "(unregistered)", form: "variant", points: [point(1, 0, 0, { not_found: 1 })] },
  ];
  const catalogue = {
    architectureOf: new Map([["lenet5_onnx_cpu1_b1", "lenet5"]]),
    familyOf: new Map([["lenet5_onnx_cpu1_b1", "classification/fashion-mnist"],
                       ["lenet5", "classification/fashion-mnist"]]),
  };
  assert.equal(groupSeries(levels, catalogue, "named"), levels);
  const byArchitecture = groupSeries(levels, catalogue, "architecture");
  assert.deepEqual(byArchitecture.map((s) => s.name),
                   ["(unregistered)", "classification/fashion-mnist", "lenet5"]);
  assert.equal(byArchitecture[2].points[0].answered, 3);
  const byFamily = groupSeries(levels, catalogue, "family");
  assert.deepEqual(byFamily.map((s) => s.name), ["(unregistered)", "classification/fashion-mnist"]);
  assert.equal(byFamily[1].points[0].answered, 4);
  assert.equal(byFamily[1].points[0].within_target, 3);
});

// Figures from the master's per-second service levels (ClusterStatus's
// service_levels): sums over windows and smoothed series for the charts.
// Pure functions of their arguments.

// Totals of `points` (one per second) in the `seconds` up to `nowS`.
export function totals(points, nowS, seconds) {
  const t = { answered: 0, within: 0, late: 0, refused: 0, reasons: {} };
  for (const p of points) {
    if (Number(p.at_unix_s) <= nowS - seconds || Number(p.at_unix_s) > nowS) continue;
    t.answered += p.answered || 0;
    t.within += p.within_target || 0;
    t.late += p.missed_target || 0;
    for (const [reason, n] of Object.entries(p.refused || {})) {
      t.refused += n;
      t.reasons[reason] = (t.reasons[reason] || 0) + n;
    }
  }
  t.queries = t.answered + t.refused;
  // A refused query did not get its answer in time either.
  t.attainment = t.queries > 0 ? t.within / t.queries : NaN;
  t.goodput = t.within / seconds;
  return t;
}

// For each second from nowS - span to nowS, `value` of the totals of the
// `smooth` seconds up to it; seconds with no queries in that window are left out
// when `skipEmpty`. Points are [unix ms, value].
export function series(points, nowS, span, smooth, value, skipEmpty) {
  const bySecond = new Map(points.map((p) => [Number(p.at_unix_s), p]));
  const out = [];
  for (let s = nowS - span + 1; s <= nowS; ++s) {
    const window = [];
    for (let k = s - smooth + 1; k <= s; ++k) if (bySecond.has(k)) window.push(bySecond.get(k));
    const t = totals(window, s, smooth);
    if (skipEmpty && t.queries === 0) continue;
    out.push([s * 1000, value(t)]);
  }
  return out;
}

// Every point of every series merged into one series, per second.
export function mergeAll(allSeries) {
  const bySecond = new Map();
  for (const s of allSeries) {
    for (const p of s.points || []) {
      const key = Number(p.at_unix_s);
      const m = bySecond.get(key) || { at_unix_s: key, answered: 0, within_target: 0,
                                       missed_target: 0, refused: {} };
      m.answered += p.answered || 0;
      m.within_target += p.within_target || 0;
      m.missed_target += p.missed_target || 0;
      for (const [r, n] of Object.entries(p.refused || {})) m.refused[r] = (m.refused[r] || 0) + n;
      bySecond.set(key, m);
    }
  }
  return [...bySecond.values()].sort((a, b) => a.at_unix_s - b.at_unix_s);
}


// The time axis of the charts: from a little before the first point or
// scaling action in the last `historySeconds` (at least the last minute) to
// now. {min, max} in unix ms, and its span in seconds.
export function timeAxis(status, historySeconds) {
  const nowS = Math.floor(Number(status.now_unix_ms) / 1000);
  let first = nowS;
  for (const s of status.service_levels || []) {
    for (const p of s.points || []) first = Math.min(first, Number(p.at_unix_s));
  }
  for (const e of status.recent_scaling || []) {
    first = Math.min(first, Math.floor(Number(e.at_unix_ms) / 1000));
  }
  const start = Math.max(nowS - historySeconds, Math.min(first - 5, nowS - 60));
  return { time: true, min: start * 1000, max: nowS * 1000, span: nowS - start, nowS };
}

// The series regrouped: "named" keeps what the queries named; "architecture"
// puts variant queries under their architecture; "family" puts variant and
// architecture queries under their task/dataset. Names the catalogue does
// not know stay as they are. `catalogue` maps names: {architectureOf:
// Map(variant → architecture), familyOf: Map(variant or architecture →
// "task/dataset")}.
export function groupSeries(levels, catalogue, by) {
  if (by === "named") return levels;
  const groupOf = (s) => {
    if (by === "architecture") {
      return s.form === "variant" ? catalogue.architectureOf.get(s.name) ?? s.name : s.name;
    }
    return s.form === "task" ? s.name : catalogue.familyOf.get(s.name) ?? s.name;
  };
  const groups = new Map();
  for (const s of levels) {
    const name = groupOf(s);
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(s);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([name, members]) => ({ name, form: by, points: mergeAll(members) }));
}

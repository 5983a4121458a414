// Small SVG charts drawn by hand (no library, so the page needs nothing but
// the master): lines or points over a linear axis or wall-clock time, with
// vertical markers for events. Each call replaces the container's content.
//
//   drawChart(element, {
//     series: [{name: "resnet18", points: [[x, y], ...]}],
//     x: {time: true, min, max}, y: {min: 0, max: 1, format: (v) => ...},
//     markers: [{x, label, kind}], points: false,
//   });

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 560, HEIGHT = 230;
const MARGIN = { left: 52, right: 26, top: 10, bottom: 28 };
export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                        "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

function el(name, attributes, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attributes || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// About five round values across [min, max].
function ticks(min, max) {
  const span = max - min || 1;
  const step0 = Math.pow(10, Math.floor(Math.log10(span / 5)));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6);
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(v);
  return out;
}

function clock(ms) {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, "0")).join(":");
}

export function formatNumber(v) {
  if (!isFinite(v)) return "–";
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

// [min, max] of the axis: as given, else the data's with 5% to spare on a
// side not given (so that no point sits on the frame).
function domain(values, given) {
  let min = Math.min(...values), max = Math.max(...values);
  if (!isFinite(min) || !isFinite(max)) { min = 0; max = 1; }
  const spare = (max - min || Math.abs(max) || 1) * 0.05;
  if (given.min === undefined) min -= spare; else min = given.min;
  if (given.max === undefined) max += spare; else max = given.max;
  if (min >= max) max = min + 1;
  return [min, max];
}

export function drawChart(container, options) {
  const series = options.series || [];
  const markers = options.markers || [];
  container.replaceChildren();
  const all = series.flatMap((s) => s.points);
  if (all.length === 0 && markers.length === 0) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = options.empty || "nothing to draw yet";
    container.append(p);
    return;
  }
  const xOpt = options.x || {}, yOpt = options.y || {};
  const [x0, x1] = domain(all.map((p) => p[0]).concat(markers.map((m) => m.x)), xOpt);
  const [y0, y1] = domain(all.map((p) => p[1]), yOpt);
  const w = WIDTH - MARGIN.left - MARGIN.right, h = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x) => MARGIN.left + ((x - x0) / (x1 - x0)) * w;
  const sy = (y) => MARGIN.top + h - ((y - y0) / (y1 - y0)) * h;
  const svg = el("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img" });

  const yFormat = yOpt.format || formatNumber;
  for (const v of ticks(y0, y1)) {
    svg.append(el("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: sy(v), y2: sy(v),
                            class: "grid" }));
    svg.append(el("text", { x: MARGIN.left - 6, y: sy(v) + 4, class: "tick", "text-anchor": "end" },
                  yFormat(v)));
  }
  const xFormat = xOpt.time ? clock : (xOpt.format || formatNumber);
  for (const v of xOpt.time ? ticks(x0 / 1000, x1 / 1000).map((t) => t * 1000) : ticks(x0, x1)) {
    svg.append(el("text", { x: sx(v), y: HEIGHT - 8, class: "tick", "text-anchor": "middle" },
                  xFormat(v)));
  }
  if (yOpt.label) svg.append(el("text", { x: 4, y: 10, class: "tick" }, yOpt.label));
  if (xOpt.label) {
    svg.append(el("text", { x: WIDTH - MARGIN.right, y: HEIGHT - 18, class: "tick",
                            "text-anchor": "end" }, xOpt.label));
  }
  svg.append(el("rect", { x: MARGIN.left, y: MARGIN.top, width: w, height: h, class: "frame" }));

  for (const m of markers) {
    const g = el("g", { class: "marker " + (m.kind || "") });
    g.append(el("line", { x1: sx(m.x), x2: sx(m.x), y1: MARGIN.top, y2: MARGIN.top + h }));
    g.append(el("title", {}, m.label));
    svg.append(g);
  }

  series.forEach((s, i) => {
    const color = s.color || PALETTE[i % PALETTE.length];
    const points = [...s.points].sort((a, b) => a[0] - b[0]);
    if (!options.points && points.length > 1) {
      const d = points.map((p, j) => `${j ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
        .join("");
      svg.append(el("path", { d, stroke: color, class: "line" }));
    }
    if (options.points || points.length === 1) {
      for (const p of points) {
        const dot = el("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 4, fill: color });
        dot.append(el("title", {}, `${p[2] || s.name}: ${formatNumber(p[0])}, ${formatNumber(p[1])}`));
        svg.append(dot);
      }
    }
  });
  container.append(svg);

  if (series.length > 0) {
    const legend = document.createElement("div");
    legend.className = "legend";
    series.forEach((s, i) => {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = s.color || PALETTE[i % PALETTE.length];
      item.append(swatch, document.createTextNode(s.name));
      legend.append(item);
    });
    container.append(legend);
  }
}

// DOM helpers shared by the views. Text from the master always goes in as
// text (textContent), never as markup.

export function h(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "className") node.className = v; else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// A table: `columns` are header texts, `rows` arrays of cells (text or nodes).
export function table(columns, rows, attributes) {
  return h("table", attributes,
           h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c)))),
           h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))));
}

// What an empty view says: what is missing and what to do about it.
export function emptyState(what, todo) {
  return h("div", { className: "empty" }, h("strong", {}, what), " ", todo);
}

export function replace(id, ...children) {
  document.getElementById(id).replaceChildren(
    ...children.flat().filter((c) => c !== null && c !== undefined));
}

export const percent = (v) => (isFinite(v) ? (100 * v).toFixed(1) + "%" : "–");
export const ms = (v) => {
  if (!isFinite(v) || v <= 0) return "–";
  return (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2)) + " ms";
};
export const bytes = (v) => {
  const n = Number(v || 0);
  if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + " GiB";
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(0) + " MiB";
  return n + " B";
};

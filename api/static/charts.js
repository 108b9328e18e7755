// Hand-written SVG charts: horizontal bars. No library (the map is ECharts: map.js).
// Charts are drawn at their container's width so text keeps its size on a phone.
import { t, num } from "./i18n.js";

export function widthOf(node, fallback = 560) {
  if (!node || !node.clientWidth) return fallback;
  // The content box: a chart as wide as its padded box would be shrunk, and its text with it.
  const cs = getComputedStyle(node);
  const w = node.getBoundingClientRect().width - ["paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth"]
    .reduce((sum, k) => sum + parseFloat(cs[k]), 0);
  return Math.max(300, Math.min(900, Math.floor(w)));
}
const NS = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

const title = (text) => el("title", {}, text);

export function utilisationClass(u) {
  if (u > 1.0001) return "u-over";
  if (u > 0.9) return "u-high";
  if (u < 0.5) return "u-low";
  return "u-ok";
}
export const COLOURS = { "u-low": "#6aa4d9", "u-ok": "#3f9b5a", "u-high": "#e0a526", "u-over": "#d1432f" };

// rows: [{label, value, max?, colour?, tip, marks?: [{at, colour}]}]; bars are value against the shared scale.
export function hbars(rows, { unit = "", width = 560, format = (v) => num(v, { maximumFractionDigits: 0 }) } = {}) {
  const rowH = 22, left = Math.min(150, Math.round(width * 0.36)), right = 86, top = 6;
  const scaleMax = Math.max(1e-9, ...rows.map((r) => Math.max(r.value, r.max || 0, ...(r.marks || []).map((m) => m.at))));
  const x = (v) => left + (v / scaleMax) * (width - left - right);
  const svg = el("svg", { viewBox: `0 0 ${width} ${rows.length * rowH + top * 2}`, role: "img" });
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg.append(el("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, r.label));
    svg.append(el("rect", { x: left, y: y + 3, width: Math.max(0, x(r.value) - left), height: rowH - 7,
      fill: r.colour || "#2457c5", "data-label": r.label }, title(r.tip || `${r.label}: ${format(r.value)}${unit}`)));
    if (r.max !== undefined) svg.append(el("line", { x1: x(r.max), x2: x(r.max), y1: y + 1, y2: y + rowH - 2,
      stroke: "#1d2433", "stroke-width": 2 }, title(t("chart.capacity", { value: `${format(r.max)}${unit}` }))));
    for (const m of r.marks || []) svg.append(el("line", { x1: x(m.at), x2: x(m.at), y1: y, y2: y + rowH,
      stroke: m.colour, "stroke-dasharray": "3 2" }));
    const text = r.max === undefined ? `${format(r.value)}${unit}` : `${format(r.value)} / ${format(r.max)}${unit}`;
    svg.append(el("text", { x: x(Math.max(r.value, r.max || 0)) + 4, y: y + 14 }, text));
  });
  return svg;
}

// Stacked horizontal bars: rows [{label, parts: [{value, colour, name}]}].
export function stacked(rows, { width = 560 } = {}) {
  const rowH = 22, left = Math.min(150, Math.round(width * 0.36)), right = 40, top = 6;
  const total = (r) => r.parts.reduce((s, p) => s + p.value, 0);
  const scaleMax = Math.max(1, ...rows.map(total));
  const w = (v) => (v / scaleMax) * (width - left - right);
  const svg = el("svg", { viewBox: `0 0 ${width} ${rows.length * rowH + top * 2}`, role: "img" });
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg.append(el("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, r.label));
    let at = left;
    for (const p of r.parts) {
      svg.append(el("rect", { x: at, y: y + 3, width: w(p.value), height: rowH - 7, fill: p.colour },
        title(`${r.label}: ${p.value} ${p.name}`)));
      at += w(p.value);
    }
    svg.append(el("text", { x: at + 4, y: y + 14 }, num(total(r))));
  });
  return svg;
}

export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354"];

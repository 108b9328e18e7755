// The dashboard's bar charts, drawn by Apache ECharts: the build the map uses (api/static/echarts.min.js,
// served by this server, loaded with the first chart or map). One kind of chart: a bar per manager,
// on rows, so names stay readable on a phone. Text is 12 px on the canvas (never scaled: the chart is
// drawn at its box's width and redrawn when the box changes), axis names and tooltips come from the
// message catalogue, numbers through Intl in the page's language. Tooltips are drawn on the canvas
// (richText): an HTML tooltip would carry style attributes, which the page's CSP refuses.
import { num } from "./i18n.js";

let loaded = null;
export const loadECharts = () => (loaded ||= import("./echarts.min.js"));

export const FONT_PX = 12;
const INK = "#1d2433", MUTED = "#667085", GRID = "#e4e7ec";
const TEXT = { fontSize: FONT_PX, color: INK };
const ROW_PX = 26; // one manager's row
// A legend row above; below, the value axis's numbers (inside the grid's box) and its name (outside).
const LEGEND_PX = 30, TICKS_PX = 22, NAME_PX = 24;

// Text widths at the canvas's font: the room the legend's rows and the numbers at the bars' ends take.
let pen = null;
function textWidth(text) {
  pen ||= document.createElement("canvas").getContext("2d");
  pen.font = `${FONT_PX}px sans-serif`;
  return pen.measureText(text).width;
}
// ECharts wraps a legend's items (a 16 px icon, 5 px to its name, 10 px to the next) at the box's
// width: a row of 22 px more (20 measured) for each row after the first (three roles and a capacity on a phone).
function legendPx(names, width) {
  let rows = 1, x = 0;
  for (const name of names) {
    const w = 16 + 5 + textWidth(name);
    if (x > 0 && x + w > width) { rows += 1; x = 0; }
    x += w + 10;
  }
  return LEGEND_PX + (rows - 1) * 22;
}

export function utilisationClass(u) {
  if (u > 1.0001) return "u-over";
  if (u > 0.9) return "u-high";
  if (u < 0.5) return "u-low";
  return "u-ok";
}
export const COLOURS = { "u-low": "#6aa4d9", "u-ok": "#3f9b5a", "u-high": "#e0a526", "u-over": "#d1432f" };

export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354"];

// Charts whose box left the page are disposed at the next draw (a tab draws its boxes anew).
const live = new Set();
function prune() {
  for (const chart of live) {
    if (chart.getDom().isConnected) continue;
    if (resizer) resizer.unobserve(chart.getDom());
    chart.dispose();
    live.delete(chart);
  }
}

// Redrawn at the box's new width (a window resized, a phone turned), in the next frame: a resize
// inside the observer's callback would be a resize loop. A box in a hidden tab (no width) waits.
const resizer = typeof ResizeObserver === "function"
  ? new ResizeObserver((entries) => requestAnimationFrame(() => {
    for (const e of entries) {
      if (!e.target.offsetWidth) continue;
      for (const c of live) if (!c.isDisposed() && c.getDom() === e.target) c.resize();
    }
  }))
  : null;

/* One bar chart of rows (managers), values along the bottom.
   node: an empty element of the page (its width is the chart's);
   spec: {
     labels: ["M001 Zhang Wei", ...]                     the rows, top first
     series: [{ name, values: [..], colours?: [..], colour? }]  several series stack (e.g. tiers)
     limits?: { name, values: [..] }                      a dark tick on each row (e.g. capacity)
     marks?: [{ at, name, colour }]                       dashed lines across all rows (thresholds)
     axis: "hours per month"                              the value axis's name, in the page's words
     format?: (v) => "12"                                 numbers, at the bars' ends and on the axis
     unit?: " h"                                          after the numbers at the bars' ends (the axis
                                                          name says it for the axis)
     tips?: ["120 h of 160 h", ...]                       a row's tooltip, under its label (else the values)
     aria: "..."                                          what the chart shows, for screen readers
   } */
export async function barChart(node, spec) {
  const echarts = await loadECharts();
  // A hidden tab has no width to draw at; the tab draws its charts when it is shown.
  if (!node.isConnected || node.closest("[hidden]")) return null;
  prune();
  const { labels, series, limits, marks = [], axis, tips, aria } = spec;
  const format = spec.format || ((v) => num(v, { maximumFractionDigits: 0 }));
  const stacked = series.length > 1;
  const legend = stacked || Boolean(limits) || marks.length > 0;
  const legendNames = [...(stacked ? series.map((x) => x.name) : []), ...(limits ? [limits.name] : []), ...marks.map((m) => m.name)];
  const top = legend ? legendPx(legendNames, node.clientWidth || 640) : 8;
  const height = labels.length * ROW_PX + top + TICKS_PX + NAME_PX;
  node.style.height = `${height}px`; // through the CSSOM: the CSP forbids style attributes
  node.classList.add("chart");
  node.setAttribute("role", "img");
  if (aria) node.setAttribute("aria-label", aria);
  const chart = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: "canvas" });
  if (!live.has(chart)) { live.add(chart); if (resizer) resizer.observe(node); }
  chart.resize();
  const narrow = node.clientWidth < 480;
  const totals = labels.map((_, i) => series.reduce((sum, x) => sum + (x.values[i] || 0), 0));
  const ends = totals.map((v, i) => Math.max(v, limits ? limits.values[i] || 0 : 0));
  const unit = spec.unit || "";
  const text = (i) => (limits ? `${format(totals[i])} / ${format(limits.values[i] || 0)}${unit}` : `${format(totals[i])}${unit}`);
  const bars = series.map((s) => ({
    type: "bar", name: s.name, stack: stacked ? "all" : undefined, barMaxWidth: 18, barCategoryGap: "30%",
    itemStyle: { color: s.colour }, emphasis: { disabled: true },
    data: s.values.map((v, i) => ({ value: v, itemStyle: s.colours ? { color: s.colours[i] } : undefined })),
    label: { show: false },
  }));
  const dash = "path://M0,4H4V6H0ZM6,4H10V6H6ZM12,4H16V6H12Z", tick = "path://M0,0H3V12H0Z";
  const extra = [
    // A row's number right of its bar or its tick, whichever ends later (as the old charts did).
    { type: "scatter", id: "ends", symbolSize: 0, silent: true, z: 6, tooltip: { show: false },
      // On a light ground: a number over a threshold's dashed line stays readable.
      label: { show: true, position: "right", distance: 6, ...TEXT, backgroundColor: "rgba(255,255,255,0.85)", padding: [1, 2],
        formatter: (p) => text(p.dataIndex) },
      data: ends.map((v, i) => [v, i]) },
    // The thresholds' lines, and an invisible point at the farthest one so the axis reaches it.
    { type: "scatter", id: "marks", name: marks.length ? marks[0].name : "", symbolSize: 0, silent: true, tooltip: { show: false },
      data: marks.length ? [[Math.max(...marks.map((m) => m.at)), 0]] : [],
      markLine: marks.length ? { silent: true, symbol: "none", animation: false, label: { show: false },
        data: marks.map((m) => ({ xAxis: m.at, lineStyle: { color: m.colour, type: "dashed", width: 1.5 } })) } : undefined },
    ...marks.slice(1).map((m) => ({ type: "scatter", name: m.name, data: [] })),
  ];
  if (limits) {
    extra.push({ type: "scatter", id: "limits", name: limits.name, symbol: "rect", symbolSize: [3, 20], z: 5, silent: true,
      itemStyle: { color: INK }, data: limits.values.map((v, i) => [v, i]), tooltip: { show: false } });
  }
  const legendItems = [
    ...(stacked ? series.map((s) => ({ name: s.name })) : []),
    ...(limits ? [{ name: limits.name, icon: tick, itemStyle: { color: INK } }] : []),
    ...marks.map((m) => ({ name: m.name, icon: dash, itemStyle: { color: m.colour } })),
  ];
  chart.setOption({
    animation: false,
    textStyle: { fontSize: FONT_PX, color: INK },
    // outerBounds "same": the axis labels and names stay inside the box (ECharts 6's containLabel).
    // Room on the right for the longest number at a bar's end ("34 / 50 小时").
    grid: { left: 4, right: Math.max(narrow ? 60 : 72, Math.ceil(Math.max(0, ...labels.map((_, i) => textWidth(text(i))))) + 16), top, bottom: NAME_PX, outerBoundsMode: "same", outerBoundsContain: "axisLabel" },
    legend: legend ? { show: true, top: 0, left: 0, itemWidth: 16, itemHeight: 10, textStyle: TEXT, selectedMode: false, data: legendItems } : { show: false },
    tooltip: {
      trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", confine: true, textStyle: { fontSize: FONT_PX, color: INK },
      formatter: (params) => {
        const i = (Array.isArray(params) ? params[0] : params).dataIndex;
        // Short lines: a tooltip on the canvas does not wrap, and a phone is narrow.
        if (tips && tips[i]) return `${labels[i]}\n${tips[i]}`;
        return [labels[i], ...series.map((s) => `${s.name}: ${format(s.values[i] || 0)}${unit}`)].join("\n");
      },
    },
    xAxis: {
      type: "value", name: axis, nameLocation: "middle", nameGap: 26, nameTextStyle: { ...TEXT, color: MUTED },
      axisLabel: { ...TEXT, color: MUTED, formatter: (v) => format(v), hideOverlap: true }, splitLine: { lineStyle: { color: GRID } },
    },
    yAxis: {
      type: "category", inverse: true, data: labels, axisTick: { show: false },
      axisLabel: { ...TEXT, width: Math.round(Math.max(90, Math.min(180, node.clientWidth * 0.34))), overflow: "truncate" },
    },
    series: [...bars, ...extra],
  }, true);
  node.dataset.rows = String(labels.length);
  return chart;
}

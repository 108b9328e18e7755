// Small DOM helpers shared by the tabs: element builder, number formats, tables, the status line.
import { num, percent } from "./i18n.js";

export const $ = (sel) => document.querySelector(sel);

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    // Through the CSSOM: the page's CSP forbids style attributes.
    else if (k === "bg") node.style.background = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function fmt(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return num(v);
  return String(v);
}
// A share (0.56) as a percentage in the locale.
export const pct = (u) => (u === null || u === undefined ? "–" : percent(u));

// A table whose rows become cards on a phone (style.css, table.reflow), each cell labelled with its
// column's head; class "plain" keeps a small table a table.
export function table(headers, rows, attrs = {}) {
  const body = h("tbody", {}, rows);
  labelCells(body, headers);
  const classes = (attrs.class || "").split(" ").filter(Boolean);
  return h("table", { ...attrs, class: [...classes, ...(classes.includes("plain") ? [] : ["reflow"])].join(" ") },
    h("thead", {}, h("tr", {}, headers.map((c) => h("th", {}, c)))),
    body);
}
// Each data cell says which column it is in (data-label): a card on a phone shows it beside the value.
export function labelCells(body, headers) {
  for (const row of body.rows) {
    [...row.cells].forEach((cell, i) => {
      if (cell.tagName === "TD" && !cell.dataset.label && typeof headers[i] === "string" && headers[i]) cell.dataset.label = headers[i];
    });
  }
}
export const td = (v, attrs = {}) => h("td", { class: typeof v === "number" ? "num" : "", ...attrs }, fmt(v));

export function status(text, error = false) {
  $("#status").textContent = text;
  $("#status").classList.toggle("error", error);
}
export async function guard(fn) {
  try { return await fn(); } catch (e) { status(e.message, true); console.error(e); return undefined; }
}

// The page's words in English or Chinese, from the one message catalogue (messages.json, which the
// server's exports read too). The language: the user's choice (localStorage), else the browser's.
// Numbers and dates through Intl in that locale.
export const LANGS = { "en": "English", "zh-CN": "中文" };
const STORE = "planner.lang";
let catalogue = {};
let current = "en";

export function browserLang() {
  for (const tag of navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"]) {
    const primary = String(tag).toLowerCase().split(/[-_]/)[0];
    if (primary === "zh") return "zh-CN";
    if (primary === "en") return "en";
  }
  return "en";
}

function storedLang() {
  try { return localStorage.getItem(STORE); } catch { return null; }
}

export async function loadMessages() {
  const response = await fetch("/static/messages.json");
  catalogue = await response.json();
  const stored = storedLang();
  current = stored && stored in LANGS ? stored : browserLang();
}

export const lang = () => current;

export function setLang(next) {
  current = next in LANGS ? next : "en";
  try { localStorage.setItem(STORE, current); } catch { /* private mode: this page only */ }
  applyPage();
}

// t("pt.count", {shown: 3}): the entry in the current language (English if it has none); a key with no
// entry is shown as itself and logged, so a missing word is visible rather than blank.
export function t(key, params = {}) {
  const entry = catalogue[key];
  if (!entry) { console.warn(`no message ${key}`); return key; }
  const text = entry[current] ?? entry.en;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}
export const has = (key) => key in catalogue;
// A word for a data value (a tier, a seniority, a status…) if the catalogue has one, else the value.
export const word = (prefix, value) => (value !== null && value !== undefined && has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);

// Static text: data-i18n (text), data-i18n-placeholder, data-i18n-title, data-i18n-aria-label.
export function applyPage(root = document) {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  document.title = t("app.title");
}

// --- numbers and dates in the locale --------------------------------------------------------------------
const formats = new Map();
function numberFormat(options) {
  const k = `${current}|${JSON.stringify(options)}`;
  if (!formats.has(k)) formats.set(k, new Intl.NumberFormat(current, options));
  return formats.get(k);
}
export const num = (v, options = { maximumFractionDigits: 4 }) => numberFormat(options).format(v);
export const percent = (share) => numberFormat({ style: "percent", maximumFractionDigits: 0 }).format(share);
export const dateTime = (d) => new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" }).format(d);
// An ISO date (YYYY-MM-DD) as a day of the calendar, in UTC so no time zone shifts it.
export const day = (iso, options = { day: "numeric", month: "short" }) =>
  new Intl.DateTimeFormat(current, { ...options, timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
export const date = (iso) => day(iso, { year: "numeric", month: "short", day: "numeric" });
// Monday..Sunday, short, in the locale (2024-01-01 was a Monday).
export const weekdayNames = () => [0, 1, 2, 3, 4, 5, 6].map((k) => day(`2024-01-0${k + 1}`, { weekday: "short" }));

// The Plan tab's account table (search, filters, sortable columns, CSV/Excel download) and its
// shortfall panel. The table's columns are the export's (api/services/exports.py), in the same words.
import { saveFile } from "./api.js";
import { $, h, fmt, pct, table, td, guard, status } from "./dom.js";

const RULE_WORDS = {
  manager_active: "the manager left",
  language_match: "language no longer matches",
  seniority_by_tier: "tier needs a more senior manager",
  region_eligibility: "region no longer served",
  pinned_pair: "pinned to another manager",
  forbidden_pair: "pair no longer allowed",
};

export function reasonWords(reason) {
  if (!reason) return "";
  if (reason === "voluntary") return "moved by choice (counts against the move budget)";
  if (reason === "manager_left") return "the manager left";
  if (reason === "unassigned") return "left without a manager";
  if (reason.startsWith("rule: ")) return "a rule: " + (RULE_WORDS[reason.slice(6)] ?? reason.slice(6).replaceAll("_", " "));
  return reason;
}
export const serviceWords = (s) => (s === "full" ? "full service" : s === "unserved" ? "not served" : `reduced: ${s}`);
const TIER_ORDER = { strategic: 0, key: 1, standard: 2 };
const SENIORITY = { junior: "junior", senior: "senior", principal: "principal" };

// Columns: header, sort key of a row, cell of a row.
const COLUMNS = [
  { head: "Account ID", key: (r) => r.account_id, cell: (r) => td(r.account_id) },
  { head: "Account", key: (r) => r.account_name.toLowerCase(), cell: (r) => td(r.account_name, { class: "name" }) },
  { head: "Tier", key: (r) => TIER_ORDER[r.tier] ?? 9, cell: (r) => td(r.tier) },
  { head: "Region", key: (r) => r.region, cell: (r) => td(r.region) },
  { head: "Manager", key: (r) => (r.manager_id ? r.manager_name.toLowerCase() : "~"),
    cell: (r) => h("td", {}, r.manager_id ? [r.manager_name || r.manager_id, " ", h("small", { class: "muted" }, r.manager_id)] : h("span", { class: "muted" }, "none")) },
  { head: "Hours per month", num: true, key: (r) => r.workload_hours, cell: (r) => td(Math.round(r.workload_hours * 10) / 10) },
  { head: "Service", key: (r) => (r.service === "full" ? 0 : r.service === "unserved" ? 2 : 1),
    cell: (r) => td(serviceWords(r.service), { class: `svc svc-${r.service === "full" ? "full" : r.service === "unserved" ? "none" : "reduced"}` }) },
  { head: "Moved", key: (r) => (r.moved ? 0 : 1), cell: (r) => td(r.moved ? reasonWords(r.move_reason) || "yes" : "no", { class: "why" }) },
];

const pt = { planId: null, rows: [], sort: { col: 0, dir: 1 }, wired: false };

function option(value, text) { return h("option", { value }, text); }

function fillSelect(select, first, values) {
  const keep = select.value;
  select.replaceChildren(option("", first), ...values.map(([v, t]) => option(v, t)));
  select.value = values.some(([v]) => v === keep) ? keep : "";
}

// rows: the API's assignments; accounts: the plan's data set accounts (for the region).
export function renderPlanTable(planId, rows, accounts) {
  const region = new Map(accounts.map((a) => [a.account_id, a.region || ""]));
  pt.planId = planId;
  pt.rows = rows.map((r) => ({ ...r, region: region.get(r.account_id) || "", account_name: r.account_name || "", manager_name: r.manager_name || "" }));
  const managers = [...new Map(pt.rows.filter((r) => r.manager_id).map((r) => [r.manager_id, r.manager_name])).entries()]
    .sort((a, b) => a[0].localeCompare(b[0]));
  fillSelect($("#pt-manager"), "every manager", [...managers.map(([id, name]) => [id, `${name || id} (${id})`]), ["-", "no manager"]]);
  fillSelect($("#pt-region"), "every region", [...new Set(pt.rows.map((r) => r.region))].sort().map((r) => [r, r]));
  fillSelect($("#pt-tier"), "every tier", ["strategic", "key", "standard"].filter((t) => pt.rows.some((r) => r.tier === t)).map((t) => [t, t]));
  const levels = [...new Set(pt.rows.map((r) => r.service))].sort((a, b) => COLUMNS[6].key({ service: a }) - COLUMNS[6].key({ service: b }));
  fillSelect($("#pt-service"), "every service level", levels.map((s) => [s, serviceWords(s)]));
  if (!pt.wired) wire();
  draw();
}

function matches(r) {
  const q = $("#pt-search").value.trim().toLowerCase();
  const m = $("#pt-manager").value, g = $("#pt-region").value, t = $("#pt-tier").value, s = $("#pt-service").value;
  if (m && (m === "-" ? r.manager_id : r.manager_id !== m)) return false;
  if (g && r.region !== g) return false;
  if (t && r.tier !== t) return false;
  if (s && r.service !== s) return false;
  if (!q) return true;
  return [r.account_id, r.account_name, r.manager_id, r.manager_name, r.region].some((v) => (v || "").toLowerCase().includes(q));
}

function draw() {
  const { col, dir } = pt.sort;
  const key = COLUMNS[col].key;
  const shown = pt.rows.filter(matches).sort((a, b) => {
    const x = key(a), y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * dir || a.account_id.localeCompare(b.account_id);
  });
  const head = COLUMNS.map((c, i) => h("th", { class: c.num ? "num" : "", "aria-sort": i === col ? (dir > 0 ? "ascending" : "descending") : "none" },
    h("button", { type: "button", class: "sort", "data-col": String(i), onclick: () => sortBy(i) }, c.head, h("span", { "aria-hidden": "true" }, i === col ? (dir > 0 ? " ▲" : " ▼") : ""))));
  const body = shown.map((r) => h("tr", { "data-account": r.account_id, "data-manager": r.manager_id || "" }, COLUMNS.map((c) => c.cell(r))));
  const t = $("#plan-table");
  t.replaceChildren(h("thead", {}, h("tr", {}, head)), h("tbody", {}, body));
  const hours = shown.reduce((s, r) => s + r.workload_hours, 0);
  $("#pt-count").textContent = `${fmt(shown.length)} of ${fmt(pt.rows.length)} accounts · ${fmt(Math.round(hours))} hours per month`;
}

function sortBy(i) {
  pt.sort = { col: i, dir: pt.sort.col === i ? -pt.sort.dir : 1 };
  draw();
}

async function download(ext) {
  if (!pt.planId) return;
  status(`Downloading the plan as .${ext}…`);
  const filename = await saveFile(`/api/v1/plans/${pt.planId}/export.${ext}`);
  status(`Saved ${filename}: every account of the plan, whatever the filters show.`);
}

function wire() {
  pt.wired = true;
  let timer = null;
  $("#pt-search").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(draw, 120); });
  for (const id of ["#pt-manager", "#pt-region", "#pt-tier", "#pt-service"]) $(id).addEventListener("change", draw);
  $("#pt-clear").addEventListener("click", () => {
    for (const id of ["#pt-search", "#pt-manager", "#pt-region", "#pt-tier", "#pt-service"]) $(id).value = "";
    draw();
  });
  $("#pt-csv").addEventListener("click", () => guard(() => download("csv")));
  $("#pt-xlsx").addEventListener("click", () => guard(() => download("xlsx")));
}

// --- the shortfall panel ----------------------------------------------------------------------------
const hoursOf = (v) => `${fmt(Math.round(v))} h`;

export function renderShortfall(shortfall) {
  const box = $("#shortfall");
  if (!shortfall || !shortfall.has_shortfall) { box.replaceChildren(); box.hidden = true; return; }
  box.hidden = false;
  const s = shortfall;
  const gap = Math.max(0, s.hours_needed_for_full_service - s.hours_available);
  const tiers = ["strategic", "key", "standard"].filter((t) => s.by_tier[t]);
  const card = (label, value, hint) => h("div", { class: "card", title: hint }, label, h("b", {}, value), h("small", { class: "muted" }, hint));
  const accounts = [
    ...s.unserved.map((a) => ({ ...a, level: "not served", manager_id: null })),
    ...s.reduced.map((a) => ({ ...a, level: `reduced: ${a.level}` })),
  ].sort((a, b) => (TIER_ORDER[a.tier] ?? 9) - (TIER_ORDER[b.tier] ?? 9) || a.account_id.localeCompare(b.account_id));
  box.replaceChildren(
    h("h2", {}, "Not enough hours for full service"),
    h("p", {}, `Serving every account in full takes ${hoursOf(s.hours_needed_for_full_service)} a month; the team has ${hoursOf(s.hours_available)}` +
      (gap > 0 ? `, ${hoursOf(gap)} short.` : ", but not where the accounts are.") +
      " The plan keeps the most valuable service and says below what it gives up."),
    h("div", { class: "cards", "data-testid": "shortfall-cards" },
      card("hours needed a month", hoursOf(s.hours_needed_for_full_service), "for every account at full service"),
      card("hours available a month", hoursOf(s.hours_available), "all active managers together"),
      card("accounts seen less often", fmt(s.accounts_reduced), "fewer visits than their tier's full service"),
      card("accounts without a manager", fmt(s.accounts_unserved), "no visits at all in this plan"),
      card("revenue kept in full service", pct(s.revenue_full_service_share), "share of annual revenue whose accounts keep every visit"),
      card("revenue with a manager", pct(s.revenue_served_share), "share of annual revenue whose accounts keep a manager")),
    h("div", { class: "split" }, h("div", {}, h("h3", {}, "By tier"),
    h("div", { class: "scroll" }, table(["Tier", "Seen less often", "Without a manager"],
      tiers.map((t) => h("tr", { "data-tier": t }, td(t), td(s.by_tier[t].reduced), td(s.by_tier[t].unserved))), { "data-testid": "shortfall-tiers", class: "narrow" }))),
    ...(s.hours_missing.length ? [h("div", {},
      h("h3", {}, "Hours missing, by the manager you would need"),
      h("p", { class: "muted" }, "Hours a month left undone, by region, the least seniority the accounts' tier needs, and the language they need."),
      h("div", { class: "scroll" }, table(["Region", "Seniority, at least", "Speaking", "Hours a month", "Accounts"],
        s.hours_missing.map((m) => h("tr", {}, td(m.region), td(SENIORITY[m.min_seniority] || m.min_seniority), td(m.language === "any" ? "any language" : m.language),
          td(Math.round(m.hours_per_month * 10) / 10), td(m.accounts))), { "data-testid": "hours-missing", class: "narrow nowrap" })))] : [])),
    h("details", { "data-testid": "shortfall-accounts" },
      h("summary", {}, `The ${fmt(accounts.length)} accounts given up or seen less often, with the reasons`),
      h("div", { class: "scroll tall" }, table(["Account", "Tier", "Service", "Manager", "Why"],
        accounts.map((a) => h("tr", { "data-account": a.account_id }, h("td", {}, a.name || a.account_id, " ", h("small", { class: "muted" }, a.account_id)),
          td(a.tier), td(a.level), td(a.manager_id || "–"), td(a.reason))), { class: "wide" }))));
}

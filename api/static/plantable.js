// The Plan tab's account table (search, filters, sortable columns, CSV/Excel download) and its
// shortfall panel. The table's columns and words are the export's (api/services/exports.py): both
// come from the message catalogue (messages.json, head.*, reason.*, rule.*, service.*).
import { saveFile } from "./api.js";
import { $, h, fmt, pct, table, td, guard, status, labelCells } from "./dom.js";
import { t, has, word, lang } from "./i18n.js";

export function reasonWords(reason) {
  if (!reason) return "";
  if (reason === "voluntary") return t("reason.voluntary");
  if (reason === "manager_left") return t("reason.manager_left");
  if (reason === "unassigned") return t("reason.unassigned");
  if (reason === "forced") return t("reason.forced");
  if (reason.startsWith("rule: ")) {
    const rule = reason.slice(6);
    return t("reason.rule", { rule: has(`rule.${rule}`) ? t(`rule.${rule}`) : rule.replaceAll("_", " ") });
  }
  return reason;
}
// A reduced level's name from the policy ("every 26 weeks") in the page's language; other names as written.
export function levelWords(level) {
  const m = /^every (\d+) (week|month)s?$/.exec(level);
  return lang() === "en" || !m ? level : t(`level.every_${m[2]}s`, { n: m[1] });
}
export const serviceWords = (s) => (s === "full" ? t("service.full") : s === "unserved" ? t("service.unserved")
  : s === "unfilled" ? t("service.unfilled") : t("service.reduced", { level: levelWords(s) }));
// A team role in words (role.* in the catalogue; an unknown role as written).
export const roleWords = (role) => (has(`role.${role}`) ? t(`role.${role}`) : String(role).replaceAll("_", " "));
// A person's roles, the account manager's first (the data may list them in any order).
export const roleOrder = (roles) => [...roles].sort((a, b) => (a === "account_manager" ? -1 : b === "account_manager" ? 1 : 0));
// Nobody holds the slot: no service, as an account without a manager.
const missing = (s) => s === "unserved" || s === "unfilled";
const tierWord = (tier) => word("tier", tier);
const TIER_ORDER = { strategic: 0, key: 1, standard: 2 };

// Columns: header, sort key of a row, cell of a row; `team`: shown only for a plan with account teams,
// whose rows are one per account x role (the export's plan.csv); `teamHead`: its head there.
const ROLE_ORDER = new Map();
const ALL_COLUMNS = [
  { head: "account_id", key: (r) => r.account_id, cell: (r) => td(r.account_id) },
  { head: "account", key: (r) => r.account_name.toLowerCase(), cell: (r) => td(r.account_name, { class: "name" }) },
  { head: "tier", key: (r) => TIER_ORDER[r.tier] ?? 9, cell: (r) => td(tierWord(r.tier)) },
  { head: "region", key: (r) => r.region, cell: (r) => td(r.region) },
  { head: "role", team: true, key: (r) => ROLE_ORDER.get(r.role) ?? 99, cell: (r) => td(roleWords(r.role), { class: "role" }) },
  { head: "manager", teamHead: "person", key: (r) => (r.manager_id ? r.manager_name.toLowerCase() : "~"),
    cell: (r) => h("td", {}, r.manager_id ? [r.manager_name || r.manager_id, " ", h("small", { class: "muted" }, r.manager_id)]
      : h("span", { class: r.service === "unfilled" ? "unfilled" : "muted" }, r.service === "unfilled" ? t("service.unfilled") : t("word.none"))) },
  { head: "hours", num: true, key: (r) => r.workload_hours, cell: (r) => td(Math.round(r.workload_hours * 10) / 10) },
  { head: "service", key: (r) => (r.service === "full" ? 0 : missing(r.service) ? 2 : 1),
    cell: (r) => td(serviceWords(r.service), { class: `svc svc-${r.service === "full" ? "full" : missing(r.service) ? "none" : "reduced"}` }) },
  { head: "moved", key: (r) => (r.moved ? 0 : 1), cell: (r) => td(r.moved ? reasonWords(r.move_reason) || t("word.yes") : t("word.no"), { class: "why" }) },
];
let COLUMNS = ALL_COLUMNS.filter((c) => !c.team);
const headOf = (c) => t(`head.${pt.team && c.teamHead ? c.teamHead : c.head}`);

const pt = { planId: null, rows: [], team: false, sort: { col: 0, dir: 1 }, wired: false };

function option(value, text) { return h("option", { value }, text); }

function fillSelect(select, first, values) {
  const keep = select.value;
  select.replaceChildren(option("", first), ...values.map(([v, label]) => option(v, label)));
  select.value = values.some(([v]) => v === keep) ? keep : "";
}

// rows: the API's assignments; accounts: the plan's data set accounts (for the region).
export function renderPlanTable(planId, rows, accounts) {
  const region = new Map(accounts.map((a) => [a.account_id, a.region || ""]));
  // A plan with account teams: rows carry their role (the account manager's first, as the API lists them).
  const team = rows.some((r) => r.role);
  if (team !== pt.team) pt.sort = { col: 0, dir: 1 };
  pt.team = team;
  COLUMNS = ALL_COLUMNS.filter((c) => team || !c.team);
  ROLE_ORDER.clear();
  for (const r of rows) if (r.role && !ROLE_ORDER.has(r.role)) ROLE_ORDER.set(r.role, ROLE_ORDER.size);
  pt.planId = planId;
  pt.rows = rows.map((r) => ({ ...r, region: region.get(r.account_id) || "", account_name: r.account_name || "", manager_name: r.manager_name || "" }));
  const managers = [...new Map(pt.rows.filter((r) => r.manager_id).map((r) => [r.manager_id, r.manager_name])).entries()]
    .sort((a, b) => a[0].localeCompare(b[0]));
  fillSelect($("#pt-manager"), t(team ? "pt.every_person" : "pt.every_manager"), [...managers.map(([id, name]) => [id, `${name || id} (${id})`]),
    ["-", t(team ? "pt.nobody" : "pt.no_manager")]]);
  // The role filter and the person's words are a team plan's only; a plan without teams looks as before.
  $("#pt-role-box").hidden = !team;
  $("#pt-manager-label").dataset.i18n = team ? "pt.person" : "pt.manager";
  $("#pt-manager-label").textContent = t($("#pt-manager-label").dataset.i18n);
  if (team) fillSelect($("#pt-role"), t("pt.every_role"), [...ROLE_ORDER.keys()].map((role) => [role, roleWords(role)]));
  else $("#pt-role").value = "";
  fillSelect($("#pt-region"), t("pt.every_region"), [...new Set(pt.rows.map((r) => r.region))].sort().map((r) => [r, r]));
  fillSelect($("#pt-tier"), t("pt.every_tier"), ["strategic", "key", "standard"].filter((tier) => pt.rows.some((r) => r.tier === tier)).map((tier) => [tier, tierWord(tier)]));
  const serviceKey = ALL_COLUMNS.find((c) => c.head === "service").key;
  const levels = [...new Set(pt.rows.map((r) => r.service))].sort((a, b) => serviceKey({ service: a }) - serviceKey({ service: b }));
  fillSelect($("#pt-service"), t("pt.every_service"), levels.map((s) => [s, serviceWords(s)]));
  if (!pt.wired) wire();
  draw();
}

function matches(r) {
  const q = $("#pt-search").value.trim().toLowerCase();
  const m = $("#pt-manager").value, g = $("#pt-region").value, tier = $("#pt-tier").value, s = $("#pt-service").value, role = $("#pt-role").value;
  if (role && r.role !== role) return false;
  if (m && (m === "-" ? r.manager_id : r.manager_id !== m)) return false;
  if (g && r.region !== g) return false;
  if (tier && r.tier !== tier) return false;
  if (s && r.service !== s) return false;
  if (!q) return true;
  return [r.account_id, r.account_name, r.manager_id, r.manager_name, r.region, r.role ? roleWords(r.role) : ""].some((v) => (v || "").toLowerCase().includes(q));
}

function draw() {
  const { col, dir } = pt.sort;
  const key = COLUMNS[col].key;
  const shown = pt.rows.filter(matches).sort((a, b) => {
    const x = key(a), y = key(b);
    // Ties by account, then role: an account's team stays together, its account manager first.
    return (x < y ? -1 : x > y ? 1 : 0) * dir || a.account_id.localeCompare(b.account_id) || (ROLE_ORDER.get(a.role) ?? 0) - (ROLE_ORDER.get(b.role) ?? 0);
  });
  const head = COLUMNS.map((c, i) => h("th", { class: c.num ? "num" : "", "aria-sort": i === col ? (dir > 0 ? "ascending" : "descending") : "none" },
    h("button", { type: "button", class: "sort", "data-col": String(i), onclick: () => sortBy(i) }, headOf(c), h("span", { "aria-hidden": "true" }, i === col ? (dir > 0 ? " ▲" : " ▼") : ""))));
  // A team's first row (of its account, in account order) opens a group: a line above it.
  const body = h("tbody", {}, shown.map((r, i) => h("tr", { "data-account": r.account_id, "data-manager": r.manager_id || "", "data-role": r.role || null,
    class: pt.team && (i === 0 || shown[i - 1].account_id !== r.account_id) ? "team-first" : null }, COLUMNS.map((c) => c.cell(r)))));
  labelCells(body, COLUMNS.map(headOf));
  // On a phone the heads are a row of sort buttons above the cards.
  $("#plan-table").replaceChildren(h("thead", {}, h("tr", { "data-label": t("pt.sort_by") }, head)), body);
  $("#plan-table").classList.toggle("team", pt.team);
  const hours = shown.reduce((s, r) => s + r.workload_hours, 0);
  const accounts = (list) => new Set(list.map((r) => r.account_id)).size;
  $("#pt-count").textContent = pt.team
    ? t("pt.count_team", { shown: fmt(shown.length), total: fmt(pt.rows.length), accounts: fmt(accounts(shown)), hours: fmt(Math.round(hours)) })
    : t("pt.count", { shown: fmt(shown.length), total: fmt(pt.rows.length), hours: fmt(Math.round(hours)) });
}

function sortBy(i) {
  pt.sort = { col: i, dir: pt.sort.col === i ? -pt.sort.dir : 1 };
  draw();
}

async function download(ext) {
  if (!pt.planId) return;
  status(t("export.downloading", { ext }));
  const filename = await saveFile(`/api/v1/plans/${pt.planId}/export.${ext}?lang=${lang()}`);
  status(t("export.saved_plan", { file: filename }));
}

function wire() {
  pt.wired = true;
  let timer = null;
  $("#pt-search").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(draw, 120); });
  for (const id of ["#pt-manager", "#pt-role", "#pt-region", "#pt-tier", "#pt-service"]) $(id).addEventListener("change", draw);
  $("#pt-clear").addEventListener("click", () => {
    for (const id of ["#pt-search", "#pt-manager", "#pt-role", "#pt-region", "#pt-tier", "#pt-service"]) $(id).value = "";
    draw();
  });
  $("#pt-csv").addEventListener("click", () => guard(() => download("csv")));
  $("#pt-xlsx").addEventListener("click", () => guard(() => download("xlsx")));
}

// --- the shortfall panel ----------------------------------------------------------------------------
const hoursOf = (v) => t("word.hours", { n: fmt(Math.round(v)) });

export function renderShortfall(shortfall) {
  const box = $("#shortfall");
  if (!shortfall || !shortfall.has_shortfall) { box.replaceChildren(); box.hidden = true; return; }
  box.hidden = false;
  const s = shortfall;
  const gap = Math.max(0, s.hours_needed_for_full_service - s.hours_available);
  const tiers = ["strategic", "key", "standard"].filter((tier) => s.by_tier[tier]);
  const card = (label, value, hint) => h("div", { class: "card", title: hint }, label, h("b", {}, value), h("small", { class: "muted" }, hint));
  const accounts = [
    ...s.unserved.map((a) => ({ ...a, level: t("service.unserved"), manager_id: null })),
    ...s.reduced.map((a) => ({ ...a, level: t("service.reduced", { level: levelWords(a.level) }) })),
  ].sort((a, b) => (TIER_ORDER[a.tier] ?? 9) - (TIER_ORDER[b.tier] ?? 9) || a.account_id.localeCompare(b.account_id));
  box.replaceChildren(
    h("h2", {}, t("sf.title")),
    h("p", {}, t("sf.intro", { needed: hoursOf(s.hours_needed_for_full_service), available: hoursOf(s.hours_available) }) +
      (gap > 0 ? t("sf.short", { gap: hoursOf(gap) }) : t("sf.elsewhere")) + t("sf.keeps")),
    h("div", { class: "cards", "data-testid": "shortfall-cards" },
      card(t("sf.needed"), hoursOf(s.hours_needed_for_full_service), t("sf.needed.hint")),
      card(t("sf.available"), hoursOf(s.hours_available), t("sf.available.hint")),
      card(t("sf.reduced"), fmt(s.accounts_reduced), t("sf.reduced.hint")),
      card(t("sf.unserved"), fmt(s.accounts_unserved), t("sf.unserved.hint")),
      card(t("sf.revenue_full"), pct(s.revenue_full_service_share), t("sf.revenue_full.hint")),
      card(t("sf.revenue_served"), pct(s.revenue_served_share), t("sf.revenue_served.hint"))),
    h("div", { class: "split" }, h("div", {}, h("h3", {}, t("sf.by_tier")),
    h("div", { class: "scroll" }, table([t("col.tier"), t("sf.col.reduced"), t("sf.col.unserved")],
      tiers.map((tier) => h("tr", { "data-tier": tier }, td(tierWord(tier)), td(s.by_tier[tier].reduced), td(s.by_tier[tier].unserved))), { "data-testid": "shortfall-tiers", class: "narrow" }))),
    ...(s.hours_missing.length ? [h("div", {},
      h("h3", {}, t("sf.missing")),
      h("p", { class: "muted" }, t("sf.missing.hint")),
      h("div", { class: "scroll" }, table([t("col.region"), t("sf.col.min_seniority"), t("sf.col.speaking"), t("sf.col.hours"), t("col.accounts")],
        s.hours_missing.map((m) => h("tr", {}, td(m.region), td(word("seniority", m.min_seniority)), td(m.language === "any" ? t("sf.any_language") : m.language),
          td(Math.round(m.hours_per_month * 10) / 10), td(m.accounts))), { "data-testid": "hours-missing", class: "narrow nowrap" })))] : [])),
    h("details", { "data-testid": "shortfall-accounts" },
      h("summary", {}, t("sf.accounts", { n: fmt(accounts.length) })),
      h("div", { class: "scroll tall" }, table(["account", "tier", "service", "manager", "why"].map((k) => t(`col.${k}`)),
        accounts.map((a) => h("tr", { "data-account": a.account_id }, h("td", {}, a.name || a.account_id, " ", h("small", { class: "muted" }, a.account_id)),
          td(tierWord(a.tier)), td(a.level), td(a.manager_id || "–"), td(a.reason))), { class: "wide" }))));
}

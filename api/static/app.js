// The dashboard: tabs over the JSON API. State is this one object; every render reads from it.
import { api, getKey, setKey, runJob, saveFile } from "./api.js";
import { barChart, utilisationClass, COLOURS, PALETTE } from "./charts.js";
import { drawMap } from "./map.js";
import { $, h, fmt, pct, table, td, status, guard } from "./dom.js";
import { renderCalendar, wireCalendar } from "./calendar.js";
import { renderPlanTable, renderShortfall, roleWords, roleOrder } from "./plantable.js";
import { wireStaff, renderStaff, forgetStaff, fillStaffRoles } from "./staff.js";
import { wireHistory, renderHistory } from "./history.js";
import { serverText, planName, ruleWord } from "./server_words.js";
import { t, has, word, lang, setLang, loadMessages, applyPage, dateTime, num, percent } from "./i18n.js";
import { wireUpload, showChosen } from "./upload.js";

const state = { datasets: [], dataset: null, version: null, plans: [], versions: new Map(), cancel: false };
const TIER_COLOURS = { strategic: "#7b3fa0", key: "#2457c5", standard: "#9fb3d1" };

// --- small helpers -----------------------------------------------------------------------------------
const planLabel = (p) => `${planName(p)} · ${p.id.slice(0, 8)}${p.is_current ? t("plan.current_mark") : ""} · v${p.dataset_version} · ${dateTime(new Date(p.created_at + (p.created_at.endsWith("Z") ? "" : "Z")))}`;
// A team role's KPIs (team.<role>.filled, and by_role.<role>.hours among the people working in a
// role, the account manager's too) read "<role>: <KPI>", as in the export.
const teamKpi = (key) => {
  const m = /^(team|by_role)\.(.+)\.([a-z_]+)$/.exec(key);
  if (!m || !has(`kpi.${m[1]}.${m[3]}`)) return null;
  return `${roleWords(m[2])}: ${t(`kpi.${m[1]}.${m[3]}`)}`;
};
const kpiWords = (key) =>
  has(`kpi.${key}`) ? t(`kpi.${key}`) : teamKpi(key) ?? key.replaceAll("_", " ").replaceAll(".", ": ");
const tierWord = (tier) => word("tier", tier);
const statusWord = (s) => word("job", s);
const ruleList = (list) => list.join(t("word.list_sep"));
const whole = (v) => num(v, { maximumFractionDigits: 0 });

// --- loading -------------------------------------------------------------------------------------------
async function versionOf(datasetId, version) {
  const k = `${datasetId}/${version}`;
  if (!state.versions.has(k)) state.versions.set(k, await api(`/datasets/${datasetId}/versions/${version}`));
  return state.versions.get(k);
}

// The key's name and scope (GET /me): a read-only key sees no write controls.
async function loadMe() {
  const me = await api("/me");
  state.me = me;
  document.body.classList.toggle("can-write", me.scope === "write");
  document.body.classList.toggle("read-only", me.scope !== "write");
  showMe();
}
function showMe() {
  $("#key-who").textContent = state.me ? t("key.who", { name: state.me.name, scope: t(`scope.${state.me.scope}`) }) : "";
}

async function loadDatasets() {
  await loadMe();
  state.datasets = await api("/datasets");
  const select = $("#dataset");
  const keep = state.dataset && state.dataset.id;
  select.replaceChildren(...state.datasets.map((d) => h("option", { value: d.id }, `${d.name} (${d.id.slice(0, 8)}, v${d.latest_version})`)));
  if (!state.datasets.length) {
    $("#upload").open = true;
    status(t("status.no_datasets"));
    return;
  }
  select.value = state.datasets.some((d) => d.id === keep) ? keep : state.datasets[0].id;
  await selectDataset(select.value);
}

async function selectDataset(id) {
  if (state.dataset && state.dataset.id !== id) forgetStaff();
  state.dataset = await api(`/datasets/${id}`);
  state.version = await versionOf(id, state.dataset.latest_version);
  await loadPlans();
  fillManagerSelects();
  renderOverview();
  status(datasetLine());
  if (!$("#tab-plan").hidden) renderPlan();
  if (!$("#tab-fairness").hidden) renderFairness();
  if (!$("#tab-calendar").hidden) guard(renderCalendar);
  if (!$("#tab-history").hidden) guard(renderHistory);
}

// The status line: a team data set counts people (any role) and, among them, the account managers.
function datasetLine() {
  const v = state.version, people = v.data.managers;
  const words = { name: state.dataset.name, accounts: fmt(v.accounts), managers: fmt(v.managers), plans: fmt(state.plans.length) };
  if (!people.some((m) => (m.roles || []).some((r) => r !== "account_manager"))) return t("status.dataset", words);
  const managers = people.filter((m) => !(m.roles || []).length || m.roles.includes("account_manager")).length;
  return t("status.dataset_team", { ...words, people: fmt(v.managers), managers: fmt(managers) });
}

async function loadPlans() {
  state.plans = await api(`/plans?dataset_id=${state.dataset.id}&limit=200`);
  state.plans.sort((a, b) => b.created_at.localeCompare(a.created_at));
  const current = state.plans.find((p) => p.is_current) || state.plans[0];
  for (const select of document.querySelectorAll(".plan-select")) {
    const keep = select.value;
    select.replaceChildren(...state.plans.map((p) => h("option", { value: p.id }, planLabel(p))));
    select.value = state.plans.some((p) => p.id === keep) ? keep : current ? current.id : "";
  }
  renderComparePicker();
}

function fillManagerSelects() {
  const managers = state.version.data.managers;
  // A team data set's leaver may hold any role: "Person leaving" and its note (words switch with the language).
  const team = managers.some((m) => (m.roles || []).some((r) => r !== "account_manager"));
  for (const [id, key] of [["staff-manager-word", "staff.manager"], ["staff-note", "staff.note"]]) {
    const node = document.getElementById(id);
    node.dataset.i18n = team ? `${key}_team` : key;
    node.textContent = t(node.dataset.i18n);
  }
  const opts = (blank) => [h("option", { value: "" }, blank), ...managers.map((m) =>
    h("option", { value: m.manager_id }, `${m.manager_id} ${m.name}${m.active ? "" : ` ${t("mgr.inactive")}`}`))];
  // Refilled on a language switch too: what was chosen stays chosen.
  const refill = (select, options) => {
    const keep = [...select.selectedOptions].map((o) => o.value);
    select.replaceChildren(...options);
    for (const o of select.options) o.selected = keep.includes(o.value) && o.value !== "";
  };
  refill($("#sc-remove"), opts("").slice(1));
  refill($("#sc-cap-manager"), opts(t("scenario.nobody")));
  refill($("#staff-manager"), opts(t("scenario.choose")));
  const regions = [...new Set(state.version.data.accounts.map((a) => a.region).filter(Boolean))].sort();
  for (const select of document.querySelectorAll("#scenario-form select[name=hire_region]")) {
    select.replaceChildren(h("option", { value: "" }, t("word.any")), ...regions.map((r) => h("option", { value: r }, r)));
  }
  // A hire's role: only a data set with account teams has a choice (its policy's roles).
  const roles = teamRoles();
  for (const select of document.querySelectorAll("#scenario-form select[name=hire_role]")) {
    const keep = select.value || "account_manager";
    select.replaceChildren(...roles.map((r) => h("option", { value: r }, roleWords(r))));
    select.value = roles.includes(keep) ? keep : "account_manager";
  }
  for (const label of document.querySelectorAll("#scenario-form label.team-only")) label.hidden = roles.length < 2;
  fillStaffRoles();
}

// The roles a team is made of: the account manager, then the policy's teams.roles (or, failing
// those, every role someone in the data holds); one role only for a data set without teams.
function teamRoles() {
  const data = state.version.data;
  const policy = (data.policy && data.policy.teams && data.policy.teams.roles) || {};
  const held = data.managers.flatMap((m) => m.roles || []);
  return roleOrder([...new Set(["account_manager", ...Object.keys(policy), ...held])]);
}

// --- data set overview ---------------------------------------------------------------------------------
function renderOverview() {
  const current = state.plans.find((p) => p.is_current);
  const tiers = current && current.summary.evaluation && current.summary.evaluation.tiers;
  if (tiers) {
    const th = tiers.thresholds;
    $("#tiers").replaceChildren(h("div", { class: "cards", "data-testid": "tier-cards" },
      Object.entries(tiers.counts).map(([tier, n]) => h("div", { class: "card" }, tierWord(tier), h("b", {}, fmt(n)))),
      h("div", { class: "card" }, t("overview.strategic_from"), h("b", {}, fmt(th.strategic_min_score))),
      h("div", { class: "card" }, t("overview.key_from"), h("b", {}, fmt(th.key_min_score)))),
      h("p", { class: "muted" }, t("overview.tiers_from", { plan: current.id.slice(0, 8), n: fmt(tiers.overridden_by_data) })));
  } else {
    $("#tiers").replaceChildren(h("p", { class: "muted" }, t("overview.no_tiers")));
  }
  const managers = state.version.data.managers;
  // A data set with account teams: each person's roles (managers.csv roles) after the name.
  const team = managers.some((m) => (m.roles || []).some((r) => r !== "account_manager"));
  const roles = (m) => (team ? [td(roleOrder(m.roles || []).map(roleWords).join(t("word.list_sep")), { class: "role" })] : []);
  // The total, and any role's own cap under it (managers.csv capacity_hours_<role>).
  const capacity = (m) => (Object.keys(m.role_capacity_hours || {}).length
    ? h("td", { class: "num" }, fmt(m.capacity_hours), Object.entries(m.role_capacity_hours).map(([role, hours]) =>
      h("small", { class: "muted block" }, t("mgr.role_cap", { role: roleWords(role), hours: fmt(hours) }))))
    : td(m.capacity_hours));
  $("#managers-table").replaceChildren(...table(
    ["id", "name", ...(team ? ["roles"] : []), "seniority", "region", "industries", "languages", "capacity", "max_accounts", "active"].map((k) => t(`mgr.${k}`)),
    managers.map((m) => h("tr", {}, td(m.manager_id), td(m.name), ...roles(m), td(word("seniority", m.seniority)), td(m.region),
      td(m.industries.join(", ")), td(m.languages.join(", ")), capacity(m), td(m.max_accounts), td(t(m.active ? "word.yes" : "word.no"))))).childNodes);
  renderAccounts();
}

function renderAccounts() {
  const q = $("#account-search").value.trim().toLowerCase();
  const rows = state.version.data.accounts.filter((a) => !q ||
    [a.account_id, a.name, a.industry, a.region, a.current_manager_id, a.language].some((v) => (v || "").toLowerCase().includes(q)));
  $("#accounts-table").replaceChildren(...table(
    ["id", "name", "industry", "region", "revenue", "contract", "years", "importance", "manager", "tier_data"].map((k) => t(`acc.${k}`)),
    rows.slice(0, 500).map((a) => h("tr", {}, td(a.account_id), td(a.name), td(a.industry), td(a.region),
      td(a.annual_revenue), td(a.contract_value), td(a.years_as_customer), td(a.strategic_importance),
      td(a.current_manager_id), td(a.tier ? tierWord(a.tier) : "")))).childNodes);
  $("#account-search").title = t("overview.matching", { n: fmt(rows.length) });
}

// --- plan ---------------------------------------------------------------------------------------------
async function renderPlan() {
  // Renders overlap (the tab opened, then another plan picked at once): only the latest one draws.
  const render = (state.planRender = (state.planRender || 0) + 1);
  const planId = $("#plan-select").value;
  if (!planId) { $("#plan-summary").replaceChildren(h("p", { class: "muted" }, t("plan.none"))); return; }
  const plan = state.plans.find((p) => p.id === planId) || await api(`/plans/${planId}`);
  const [rows, version] = await Promise.all([api(`/plans/${planId}/assignments`), versionOf(plan.dataset_id, plan.dataset_version)]);
  if (render !== state.planRender) return;
  const ev = plan.summary.evaluation || {};
  const managers = (ev.managers || []).filter((m) => m.active || m.accounts > 0);
  const s = plan.summary.solver || {};
  const mv = ev.moves || {};
  const proven = s.status === "optimal";
  // Each KPI in a director's words, with a one-line hint.
  const kpi = (label, value, hint) => h("div", { class: "card", title: hint }, label, h("b", {}, value), h("small", { class: "muted" }, hint));
  $("#plan-summary").replaceChildren(h("div", { class: "cards kpis", "data-testid": "plan-kpis" },
    kpi(t("card.moves"), fmt(mv.total), [t("card.moves.voluntary", { n: fmt(mv.voluntary) }), t("card.moves.leaver", { n: fmt(mv.forced_by_leaver) }),
      t("card.moves.rule", { n: fmt(mv.forced_by_rule) }),
      mv.total > mv.voluntary + mv.forced ? t("card.moves.unassigned", { n: fmt(mv.total - mv.voluntary - mv.forced) }) : null].filter(Boolean).join(t("word.list_sep"))),
    kpi(t("card.rules"), fmt(ev.hard_rule_violations), t("card.rules.hint")),
    kpi(t("card.workload"), ev.fairness ? pct(ev.fairness.utilisation_mean) : "–", t("card.workload.hint")),
    kpi(t("card.quality"), proven ? t("card.quality.best") : s.status === "feasible" ? t("card.quality.good") : statusWord(s.status) || "–",
      proven ? t("card.quality.proven") : s.gap != null ? t("card.quality.gap", { share: pct(s.gap) }) : t("card.quality.stopped")),
    kpi(t("card.cost"), fmt(ev.objective), t("card.cost.hint"))));
  $("#plan-summary").prepend(plan.is_current
    ? h("p", { class: "muted", "data-testid": "plan-is-current" }, t("plan.is_current"))
    : h("p", { class: "write-only" }, h("button", { type: "button", "data-testid": "adopt-plan", onclick: () => guard(() => adoptPlan(plan)) }, t("plan.adopt")),
      h("span", { class: "muted" }, t("plan.adopt_hint"))));
  // A plan with account teams (rows carry a role): each role's slots filled, and the workload of
  // every person over all their roles, from GET /workload. A plan without teams draws as before.
  const team = rows.some((r) => r.role);
  if (team) $("#plan-summary").append(teamCards(ev.team || {}));
  renderShortfall(plan.shortfall);
  renderPlanTable(planId, rows, version.data.accounts);
  const workload = team ? await api(`/plans/${planId}/workload`) : null;
  if (render !== state.planRender) return;
  await drawPlanCharts(managers, workload);
  if (render !== state.planRender) return;
  const colour = new Map(version.data.managers.map((m, i) => [m.manager_id, PALETTE[i % PALETTE.length]]));
  const byId = new Map(version.data.accounts.map((a) => [a.account_id, a]));
  // Every account stays on the map; a region only moves the view to its accounts (remote ones too).
  const regions = [...new Set(version.data.accounts.map((a) => a.region))].sort();
  const regionSelect = $("#scatter-region");
  const keepRegion = regionSelect.value;
  regionSelect.replaceChildren(h("option", { value: "" }, t("plan.all_regions")), ...regions.map((r) => h("option", { value: r }, r)));
  regionSelect.value = regions.includes(keepRegion) ? keepRegion : "";
  const located = (a) => a && a.lat != null && a.lon != null;
  // The map shows each account once, in its account manager's colour.
  const accounts = rows.filter((r) => (!r.role || r.role === "account_manager") && located(byId.get(r.account_id))).map((r) => {
    const a = byId.get(r.account_id);
    return { id: r.account_id, lon: a.lon, lat: a.lat, region: a.region, colour: r.manager_id ? colour.get(r.manager_id) || "#000" : "#bbb",
      size: r.tier === "strategic" ? 13 : r.tier === "key" ? 9 : 6, ring: !r.manager_id,
      tip: `${r.account_id} ${a.name} · ${tierWord(r.tier)} · ${r.manager_id || t("plan.unassigned")}${r.moved ? t("plan.moved_mark") : ""}` };
  });
  // A team plan's map and legend: the account managers (the other roles have no colour there).
  const shown = team ? [...new Set(rows.filter((r) => r.role === "account_manager" && r.manager_id).map((r) => r.manager_id))] : managers.map((m) => m.manager_id);
  const homes = version.data.managers.filter((m) => shown.includes(m.manager_id) && m.home_lat != null && m.home_lon != null).map((m) => (
    { id: m.manager_id, lon: m.home_lon, lat: m.home_lat, colour: colour.get(m.manager_id), tip: t("map.home", { who: `${m.manager_id} ${m.name}` }) }));
  const cell = $("#scatter");
  let mapNode = cell.querySelector("#map");
  if (!mapNode) {
    mapNode = h("div", { id: "map", "data-testid": "map", role: "img" });
    cell.replaceChildren(mapNode, h("p", { class: "legend", id: "map-legend" }));
  }
  const width = cell.clientWidth || 640;
  if (render !== state.planRender) return;
  await drawMap(mapNode, { accounts, managers: homes, focus: accounts.filter((a) => !regionSelect.value || a.region === regionSelect.value),
    onPick: (id) => guard(() => explainAccount(planId, id)), height: Math.round(Math.min(Math.max(width * 0.8, 300), 560)) });
  $("#map-legend").replaceChildren(...[...colour].filter(([m]) => shown.includes(m)).map(([m, c]) => [h("span", { class: "sw", bg: c }), m]).flat(),
    t("map.legend"));
  // The account explained last, again in the page's current words (a language switch draws the tab again).
  if (render !== state.planRender) return;
  if (state.explained && state.explained.planId === planId) await explainAccount(planId, state.explained.accountId);
}

// Each role's team slots: filled of all, unfilled flagged, how many people hold it and their hours.
function teamCards(team) {
  const roles = Object.entries(team);
  return h("div", { class: "cards", "data-testid": "team-cards" }, roles.map(([role, r]) => h("div", { class: "card", "data-role": role },
    roleWords(role), h("b", { class: r.unfilled ? "unfilled" : "" }, t("team.filled_of", { filled: fmt(r.filled), slots: fmt(r.slots) })),
    h("small", { class: r.unfilled ? "unfilled" : "muted" }, [r.unfilled ? t("team.unfilled", { n: fmt(r.unfilled) }) : null,
      t("team.people_hours", { people: fmt(r.people), hours: whole(r.hours) })].filter(Boolean).join(t("word.list_sep"))))));
}

// A role's colour in the team workload chart (the account manager's is the plain workload green).
const ROLE_COLOURS = ["#3f9b5a", "#2457c5", "#e0a526", "#7b3fa0", "#17becf", "#8c6d31"];

// A team plan's workload: each person's hours stacked by role against their capacity (GET /workload).
function teamWorkloadSpec(people) {
  const shown = people.filter((p) => p.active || p.hours > 0);
  const roles = [...new Set(shown.flatMap((p) => p.by_role.map((r) => r.role)))];
  const hoursIn = (p, role) => (p.by_role.find((r) => r.role === role) || { hours: 0 }).hours;
  return {
    labels: shown.map((p) => `${p.manager_id} ${p.name}`), axis: t("chart.axis.hours"), format: whole, unit: t("unit.h"), aria: t("plan.workload_team_heading"),
    series: roles.map((role, i) => ({ name: roleWords(role), colour: ROLE_COLOURS[i % ROLE_COLOURS.length], values: shown.map((p) => hoursIn(p, role)) })),
    limits: { name: t("chart.capacity_name"), values: shown.map((p) => p.capacity_hours) },
    tips: shown.map((p) => [t("chart.team_total_tip", { hours: whole(p.hours), capacity: whole(p.capacity_hours), share: pct(p.utilisation) }),
      ...p.by_role.map((r) => t("chart.role_tip", { role: roleWords(r.role), hours: whole(r.hours), accounts: fmt(r.accounts) }))].join("\n")),
  };
}

// A team plan's accounts per person, stacked by the role they serve them in.
function teamAccountsSpec(people) {
  const spec = teamWorkloadSpec(people);
  const shown = people.filter((p) => p.active || p.hours > 0);
  const accountsIn = (p, role) => (p.by_role.find((r) => r.role === role) || { accounts: 0 }).accounts;
  const roles = [...new Set(shown.flatMap((p) => p.by_role.map((r) => r.role)))];
  return {
    labels: spec.labels, axis: t("chart.axis.accounts"), format: whole, aria: t("plan.accounts_team_chart"),
    series: roles.map((role, i) => ({ name: roleWords(role), colour: ROLE_COLOURS[i % ROLE_COLOURS.length], values: shown.map((p) => accountsIn(p, role)) })),
    tips: shown.map((p) => p.by_role.map((r) => `${roleWords(r.role)}: ${fmt(r.accounts)}`).join("\n")),
  };
}

// Hours against capacity and accounts by tier, one row per manager (ECharts: charts.js); a team
// plan's workload chart (workload given) is per person, stacked by role.
async function drawPlanCharts(managers, workload = null) {
  const labels = managers.map((m) => `${m.manager_id} ${m.name}`);
  // The heading and the utilisation colours' legend say what the workload chart shows.
  $("#workload-heading").dataset.i18n = workload ? "plan.workload_team_heading" : "plan.workload_heading";
  $("#workload-heading").textContent = t($("#workload-heading").dataset.i18n);
  $("#workload-legend").hidden = Boolean(workload);
  $("#accounts-heading").dataset.i18n = workload ? "plan.accounts_team_chart" : "plan.accounts_chart";
  $("#accounts-heading").textContent = t($("#accounts-heading").dataset.i18n);
  $("#workload-chart").dataset.team = workload ? "true" : "false";

  await Promise.all([
    barChart($("#workload-chart"), workload ? teamWorkloadSpec(workload) : {
      labels, axis: t("chart.axis.hours"), format: whole, unit: t("unit.h"), aria: t("plan.workload_heading"),
      series: [{ name: t("chart.hours"), values: managers.map((m) => m.hours), colours: managers.map((m) => COLOURS[utilisationClass(m.utilisation)]) }],
      limits: { name: t("chart.capacity_name"), values: managers.map((m) => m.capacity_hours) },
      tips: managers.map((m) => t("chart.workload_tip", { hours: whole(m.hours), capacity: whole(m.capacity_hours), share: pct(m.utilisation), travel: whole(m.travel_hours) })),
    }),
    barChart($("#accounts-chart"), workload ? teamAccountsSpec(workload) : {
      labels, axis: t("chart.axis.accounts"), format: whole, aria: t("plan.accounts_chart"),
      series: ["strategic", "key", "standard"].map((tier) => ({ name: tierWord(tier), colour: TIER_COLOURS[tier], values: managers.map((m) => m.accounts_by_tier[tier] || 0) })),
      tips: managers.map((m) => [...["strategic", "key", "standard"].map((tier) => `${tierWord(tier)}: ${fmt(m.accounts_by_tier[tier] || 0)}`),
        t("chart.accounts_total", { n: fmt(m.accounts) })].join("\n")),
    }),
  ]);
}

async function adoptPlan(plan) {
  await api(`/datasets/${plan.dataset_id}/current-plan`, { method: "PUT", body: { plan_id: plan.id } });
  await loadPlans();
  renderOverview();
  status(t("plan.adopted", { name: plan.name || plan.id.slice(0, 8) }));
  await renderPlan();
}

async function explainAccount(planId, accountId) {
  state.explained = { planId, accountId };
  const x = await api(`/plans/${planId}/accounts/${accountId}/explain`);
  const score = x.score || {};
  $("#explain").replaceChildren(
    h("h3", {}, `${x.account_id} → ${x.manager_id || t("plan.unassigned")}`),
    h("p", {}, t("explain.tier", { tier: tierWord(x.tier), score: fmt(x.value_score), who: x.current_manager_id || t("word.nobody") })),
    h("p", {}, t("explain.score", { match: fmt(score.match), hours: fmt(score.workload_hours), travel: fmt(score.travel_hours) })),
    x.why_not_runner_up ? h("p", { "data-testid": "why" }, h("b", {}, t("explain.why_not")), serverText(x.why_not_runner_up)) : null,
    ...teamExplained(x.team),
    h("h4", {}, t("explain.alternatives")),
    table([t("explain.col.manager"), t("explain.col.extra"), t("explain.col.break")], (x.alternatives || []).map((a) =>
      h("tr", {}, td(a.manager_id), td(a.objective_change), td((a.would_break || []).map(ruleWord).join(t("word.list_sep")) || t("word.nothing"))))),
    h("p", { class: "muted" }, t("explain.ruled_out") +
      Object.entries(x.ineligible_managers_by_rule || {}).map(([k, v]) => `${ruleWord(k)} ${v}`).join(t("word.list_sep"))));
}

// An account's team beside its account manager (a team plan's explain): each slot's person, their
// hours on the account and how well they match it; an empty slot in words.
function teamExplained(team) {
  if (!team || !team.length) return [];
  return [h("h4", {}, t("explain.team")), h("ul", { class: "compact", "data-testid": "explain-team" }, team.map((s) => h("li", { "data-role": s.role },
    h("b", {}, `${roleWords(s.role)}${t("word.colon")}`),
    s.manager_id ? t("explain.slot", { who: `${s.manager_name || s.manager_id} (${s.manager_id})`, hours: num(s.workload_hours, { maximumFractionDigits: 1 }), match: pct(s.match) })
      : h("span", { class: "unfilled" }, t("service.unfilled")))))];
}

// --- scenario -----------------------------------------------------------------------------------------
function scenarioBody(form) {
  const f = new FormData(form);
  const changes = [];
  for (const id of f.getAll("remove")) if (id) changes.push({ kind: "remove_manager", manager_id: id });
  if (f.get("cap_manager") && f.get("cap_hours") !== "") changes.push({ kind: "set_capacity", manager_id: f.get("cap_manager"), hours: Number(f.get("cap_hours")) });
  // One hire per "Add a hire" box that has an id.
  const hires = [...form.querySelectorAll("fieldset.hire")].map((box) => {
    const get = (k) => box.querySelector(`[name=${k}]`).value.trim();
    const list = (k) => get(k).split(/[;,]/).map((s) => s.trim()).filter(Boolean);
    const hire = { manager_id: get("hire_id"), name: get("hire_name"), seniority: get("hire_seniority"), region: get("hire_region"),
      capacity_hours: Number(get("hire_capacity") || 0), languages: list("hire_languages"), industries: list("hire_industries"),
      count: Number(get("hire_count") || 1) };
    // A team role other than the account manager's (no roles: an account manager, as before teams).
    const role = box.querySelector("label.team-only").hidden ? "" : get("hire_role");
    if (role && role !== "account_manager") hire.roles = [role];
    return hire;
  }).filter((hire) => hire.manager_id);
  if (hires.length) changes.push({ kind: "add_hires", hires });
  const body = { dataset_id: state.dataset.id, name: f.get("name") || "", changes,
    solver: { time_limit_seconds: Number(f.get("time_limit") || 5) } };
  if (f.get("max_moves") !== "") body.max_moves = Number(f.get("max_moves"));
  return body;
}

function progressView(job, limit) {
  const p = job.progress || {};
  const done = !["queued", "running"].includes(job.status);
  return h("div", { "data-testid": "job-status", "data-status": job.status },
    h("p", {}, t("job.line", { id: job.id.slice(0, 8) }), h("b", {}, statusWord(job.status)),
      p.elapsed_seconds != null ? ` · ${t("word.seconds", { n: fmt(p.elapsed_seconds) })}` : "",
      p.objective != null ? t("job.objective", { value: fmt(p.objective) }) : "", p.gap != null ? t("job.gap", { share: pct(p.gap) }) : ""),
    h("progress", done ? { max: 1, value: 1 } : job.status === "queued" ? {} : { max: limit, value: Math.min(limit, p.elapsed_seconds || 0) }));
}

async function runScenario(form, out, progress) {
  const body = scenarioBody(form);
  state.cancel = false;
  $("#cancel-job").hidden = false;
  out.replaceChildren();
  try {
    const job = await runJob(body, (j) => progress.replaceChildren(progressView(j, body.solver.time_limit_seconds)), () => state.cancel);
    const result = await api(`/jobs/${job.id}/result`, { okStatuses: [409] });
    await loadPlans();
    // The plan in force the scenario was worked out against: its teams are the "before" (a staff
    // change recorded later puts another plan in force, which this scenario never saw).
    const current = state.plans.find((p) => p.is_current);
    const before = (current && current.summary.evaluation && current.summary.evaluation.team) || {};
    return { job, result, before };
  } finally {
    $("#cancel-job").hidden = true;
  }
}

function resultView(job, result, before = {}) {
  const nodes = [h("h2", {}, t("result.heading", { status: statusWord(result.status) }))];
  if (result.reasons.length) nodes.push(h("ul", {}, result.reasons.map((r) => h("li", {}, serverText(r)))));
  if (result.plan) {
    const ev = result.plan.summary.evaluation || {};
    nodes.push(h("div", { class: "cards" },
      h("div", { class: "card" }, t("result.objective"), h("b", {}, fmt(ev.objective))),
      h("div", { class: "card" }, t("result.moves"), h("b", {}, fmt(ev.moves && ev.moves.total))),
      h("div", { class: "card" }, t("result.violations"), h("b", {}, fmt(ev.hard_rule_violations)))),
    ...teamBeforeAfter(before, ev.team),
    h("p", {}, h("button", { type: "button", onclick: () => { $("#plan-select").value = result.plan.id; showTab("plan"); } }, t("result.show")), " ",
      h("button", { type: "button", "data-testid": "compare-with-current", onclick: () => compareWithCurrent(result.plan.id) }, t("result.compare"))));
  }
  return nodes;
}

// A team plan's slots filled per role, in the plan in force and in the scenario's plan.
function teamBeforeAfter(before, after) {
  if (!after || !Object.keys(after).length) return [];
  const filled = (r) => (r ? t("team.filled_of", { filled: fmt(r.filled), slots: fmt(r.slots) }) : "–");
  const people = (r) => (r ? fmt(r.people) : "–");
  const roles = roleOrder([...new Set([...Object.keys(before), ...Object.keys(after)])]);
  return [h("h3", {}, t("result.team_heading")),
    h("div", { class: "scroll" }, table(["", t("result.today"), t("result.scenario")], roles.flatMap((role) => [
      h("tr", { "data-role": role, "data-kpi": "filled" }, h("th", {}, `${roleWords(role)}${t("word.colon")}${t("result.slots_filled")}`),
        td(filled(before[role]), { "data-value": before[role] ? before[role].filled : "" }), td(filled(after[role]), { "data-value": after[role].filled })),
      h("tr", { "data-role": role, "data-kpi": "people" }, h("th", {}, `${roleWords(role)}${t("word.colon")}${t("result.people_working")}`),
        td(people(before[role]), { "data-value": before[role] ? before[role].people : "" }), td(people(after[role]), { "data-value": after[role].people }))]),
    { "data-testid": "scenario-team" }))];
}

async function compareWithCurrent(planId) {
  const current = state.plans.find((p) => p.is_current);
  const ids = current && current.id !== planId ? [current.id, planId] : [planId];
  showTab("compare");
  renderComparePicker(ids);
  if (ids.length >= 2) await guard(() => runCompare(ids));
  else status(t("compare.no_current"), true);
}

// --- compare ------------------------------------------------------------------------------------------
function renderComparePicker(ticked = null) {
  const keep = ticked || [...document.querySelectorAll("#compare-picker input:checked")].map((i) => i.value);
  $("#compare-picker").replaceChildren(table(["", t("col.plan")], state.plans.map((p) => h("tr", {},
    h("td", {}, h("input", { type: "checkbox", value: p.id, id: `cmp-${p.id}`, checked: keep.includes(p.id) })),
    h("td", {}, h("label", { for: `cmp-${p.id}` }, planLabel(p))))), { class: "plain" }));
  // Ticked order is the comparison order: the first one is the base.
  state.compareOrder = keep.filter((id) => state.plans.some((p) => p.id === id));
  $("#compare-picker").querySelectorAll("input").forEach((i) => i.addEventListener("change", () => {
    state.compareOrder = state.compareOrder.filter((id) => id !== i.value);
    if (i.checked) state.compareOrder.push(i.value);
  }));
}

function flatten(obj, prefix = "", out = []) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out.push(key);
  }
  return out;
}
const pick = (obj, key) => key.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);

// Accounts promoted or demoted a tier between the two plans' data, with the line each crossed.
function tierChanges(changes) {
  if (!changes || !changes.changes.length) return null;
  const line = (r) => (r.line === null ? "–" : `${word("criterion", r.criterion)} ${fmt(r.value)} ${r.change === "promoted" ? "≥" : "≤"} ${fmt(r.line)}`);
  return [h("h3", {}, t("compare.tier_changes", { up: fmt(changes.promoted), down: fmt(changes.demoted) })),
    h("div", { class: "scroll" }, table(["account", "tier_change", "score_before", "score_after", "line_crossed", "why"].map((k) => t(`col.${k}`)),
      changes.changes.map((r) => h("tr", { "data-account": r.account_id, "data-change": r.change }, td(r.account_id),
        td(`${tierWord(r.from)} → ${tierWord(r.to)}`), td(r.score_before), td(r.score_after), td(line(r)), td(word("basis", r.basis.split(":")[0])))),
    { "data-testid": "tier-changes" }))];
}

async function runCompare(ids) {
  if (ids.length < 2) { status(t("compare.tick_two"), true); return; }
  state.compared = ids;
  const c = await api("/compare", { method: "POST", body: { plan_ids: ids } });
  const keys = [...new Set(c.plans.flatMap((p) => flatten(p.kpis)))];
  const head = [t("compare.kpi"), ...c.plans.map((p, i) => `${i === 0 ? t("compare.base") : ""}${p.name || t("plan.plan")} ${p.plan_id.slice(0, 8)}`)];
  const kpiTable = table(head, keys.map((k) => h("tr", { "data-kpi": k }, h("th", { title: k }, kpiWords(k)),
    c.plans.map((p) => { const v = pick(p.kpis, k); return td(v, { "data-value": v === undefined ? "" : JSON.stringify(v) }); }))),
  { "data-testid": "kpi-table" });
  const diffs = c.diffs.map((d) => h("div", { "data-testid": "diff", "data-other": d.other },
    h("h2", {}, t("compare.diff", { other: d.other.slice(0, 8), base: d.base.slice(0, 8), n: fmt(d.moved_count), value: fmt(d.moved_value) })),
    h("div", { class: "scroll tall" }, table(["account", "from", "to", "tier", "value"].map((k) => t(`col.${k}`)), d.moved.map((m) =>
      h("tr", { "data-account": m.account_id }, td(m.account_id), td(m.from || "–"), td(m.to || "–"), td(tierWord(m.tier)), td(m.value_score))),
    { "data-testid": "moved-table" })),
    tierChanges(d.tier_changes),
    h("h3", {}, t("compare.per_manager")),
    h("div", { class: "scroll" }, table(["manager", "status", "gained", "lost", "accounts", "hours", "utilisation"].map((k) => t(`col.${k}`)),
      d.managers.filter((m) => m.gained.length || m.lost.length || m.status !== "active").map((m) => h("tr", { "data-manager": m.manager_id },
        td(m.manager_id), td(word("mstatus", m.status)), td(`${m.gained.length}: ${m.gained.join(", ")}`), td(`${m.lost.length}: ${m.lost.join(", ")}`),
        td(`${m.accounts_before} → ${m.accounts_after}`), td(`${fmt(m.hours_before)} → ${fmt(m.hours_after)}`),
        td(`${pct(m.utilisation_before)} → ${pct(m.utilisation_after)}`)))))));
  const violations = c.plans.filter((p) => p.violations.length).map((p) =>
    h("p", { class: "flag-overload" }, t("compare.breaks", { plan: p.plan_id.slice(0, 8), rules: p.violations.join("; ") })));
  const query = ids.map((id) => `plan_ids=${encodeURIComponent(id)}`).join("&");
  $("#compare-out").replaceChildren(downloads("compare", (ext) => `/api/v1/compare/export.${ext}?${query}&lang=${lang()}`), h("h2", {}, t("compare.kpis")), h("div", { class: "scroll" }, kpiTable), ...violations, ...diffs);
  status(t("compare.done", { n: fmt(ids.length) }));
}

// --- fairness -----------------------------------------------------------------------------------------
// Statistics that are shares (0.56), shown as percentages; the others as numbers.
const SHARES = /^(utilisation_(min|mean|max)|share_)/;
async function renderFairness() {
  const planId = $("#fairness-plan").value;
  if (!planId) { $("#fairness-out").replaceChildren(h("p", { class: "muted" }, t("plan.none_short"))); return; }
  const f = await api(`/plans/${planId}/fairness`);
  const th = f.thresholds;
  // A team plan (by_role given): rows are people in any role; hours count all their roles, and the
  // accounts and value columns say they are the account manager's.
  const team = Boolean(f.by_role && f.by_role.length);
  const tk = (key) => (team ? `${key}_team` : key);
  // Statistics over people in any role: the words that would say "managers" say "people".
  const statKey = (k) => (team && has(`stat.${k}_team`) ? `stat.${k}_team` : `stat.${k}`);
  const managers = f.managers.filter((m) => m.active || m.accounts > 0 || (team && m.hours > 0));
  // The value chart: a team plan's value is the account manager's, so its rows are the people holding accounts.
  const holders = team ? managers.filter((m) => m.accounts > 0) : managers;
  const flags = Object.entries(f.flags).map(([k, v]) => h("div", { class: "card" }, has(`fair.flag.${k}`) ? t(`fair.flag.${k}`) : k.replaceAll("_", " "), h("b", {}, fmt(v.length)),
    h("small", {}, v.join(", ") || t("word.none"))));
  const cells = [0, 1, 2].map(() => h("div", {}));
  const labels = managers.map((m) => `${m.manager_id} ${m.name}`);
  const share = (v) => percent(v / 100);
  const charts = [
    [t(tk("fair.util_chart")), {
      labels, axis: t("chart.axis.utilisation"), format: share,
      series: [{ name: t("col.utilisation"), values: managers.map((m) => m.utilisation * 100), colours: managers.map((m) => COLOURS[utilisationClass(m.utilisation)]) }],
      marks: [{ at: th.underuse_below * 100, name: t("chart.under_use_line", { share: pct(th.underuse_below) }), colour: "#2457c5" },
        { at: th.overload_above * 100, name: t("chart.overload_line", { share: pct(th.overload_above) }), colour: "#d1432f" }],
      tips: managers.map((m) => t("chart.util_tip", { share: pct(m.utilisation), hours: whole(m.hours), capacity: whole(m.capacity_hours) })),
    }],
    [t("fair.travel_chart"), {
      labels, axis: t("chart.axis.travel"), format: share,
      series: [{ name: t("col.travel"), colour: "#8c6d31", values: managers.map((m) => m.travel_share * 100) }],
      tips: managers.map((m) => t("chart.travel_tip", { share: pct(m.travel_share), travel: whole(m.travel_hours), hours: whole(m.hours) })),
    }],
    [t(tk("fair.value_chart")), {
      labels: holders.map((m) => `${m.manager_id} ${m.name}`), axis: t("chart.axis.value"), format: whole,
      series: [{ name: t(tk("fair.value_chart")), colour: "#7b3fa0", values: holders.map((m) => m.value_carried) }],
      tips: holders.map((m) => t("chart.value_tip", { value: whole(m.value_carried), accounts: fmt(m.accounts) })),
    }],
  ];
  $("#fairness-out").replaceChildren(downloads("fairness", (ext) => `/api/v1/plans/${planId}/fairness/export.${ext}?lang=${lang()}`),
    h("h2", {}, t("fair.flags")), h("div", { class: "cards", "data-testid": "fairness-flags" }, flags),
    h("div", { class: "grid" }, cells),
    h("h2", {}, t("fair.statistics")),
    table([t("col.measure"), t("col.figure")], Object.entries(f.statistics).map(([k, v]) => h("tr", {}, td(has(statKey(k)) ? t(statKey(k)) : k.replaceAll("_", " ")),
      td(typeof v !== "number" ? v : SHARES.test(k) ? pct(v) : num(v, { maximumFractionDigits: 2 }), { class: "num" }))), { class: "plain narrow" }),
    ...roleFairness(f.by_role),
    h("h2", {}, t(tk("fair.managers"))),
    h("div", { class: "scroll" }, table(["manager", "seniority", "region", "accounts", "hours", ...(team ? ["hours_by_role"] : []), "capacity", "utilisation", "travel", "flag"].map((k) => t(team && ["manager", "accounts", "hours", "hours_by_role"].includes(k) ? `col.${k}_team` : `col.${k}`)),
      f.managers.map((m) => h("tr", { "data-manager": m.manager_id }, td(`${m.manager_id} ${m.name}`), td(word("seniority", m.seniority)), td(m.region), td(m.accounts), td(m.hours),
        ...(team ? [td(hoursByRole(m.hours_by_role))] : []),
        td(m.capacity_hours), td(pct(m.utilisation)), td(pct(m.travel_share)), td(m.flag ? word("flag", m.flag) : m.active ? "" : t("mstatus.inactive"), { class: `flag-${m.flag}` }))),
      { "data-testid": "fairness-people" })));
  // Drawn once the cells are laid out: each chart takes its cell's width.
  await Promise.all(charts.map(([heading, spec], i) => {
    const box = h("div", { "data-testid": `fairness-chart-${i}` });
    cells[i].append(h("h2", {}, heading), box);
    return barChart(box, { ...spec, aria: heading });
  }));
}

// A person's hours in each of their roles, "Account manager 120 · Technical support 30".
function hoursByRole(byRole) {
  const entries = roleOrder(Object.keys(byRole || {})).map((r) => `${roleWords(r)} ${whole(byRole[r])}`);
  return entries.join(" · ") || "–";
}

// A team plan's fairness per role: how evenly each role's hours fall among the people working in it.
function roleFairness(byRole) {
  if (!byRole || !byRole.length) return [];
  const hours = (v) => num(v, { maximumFractionDigits: 1 });
  return [h("h2", {}, t("fair.by_role")),
    h("div", { class: "scroll" }, table(["role", "people", "hours", "hours_min", "hours_mean", "hours_max", "gini", "under_used", "overloaded"].map((k) => t(`fair.role.${k}`)),
      byRole.map((r) => h("tr", { "data-role": r.role }, td(roleWords(r.role)), td(r.people), td(hours(r.hours), { class: "num" }), td(hours(r.hours_min), { class: "num" }),
        td(hours(r.hours_mean), { class: "num" }), td(hours(r.hours_max), { class: "num" }), td(num(r.hours_gini, { maximumFractionDigits: 2 }), { class: "num" }),
        td(r.under_used), td(r.overloaded, { class: r.overloaded ? "num flag-overload" : "num" }))), { "data-testid": "fairness-roles", class: "narrow" }))];
}

// Download buttons for an export the API serves as .csv and .xlsx; `url(ext)` is its path.
function downloads(what, url) {
  const save = (ext) => guard(async () => status(t("status.saved", { file: await saveFile(url(ext)) })));
  return h("p", { class: "downloads" },
    h("button", { type: "button", "data-testid": `${what}-csv`, onclick: () => save("csv") }, t("export.csv")), " ",
    h("button", { type: "button", "data-testid": `${what}-xlsx`, onclick: () => save("xlsx") }, t("export.xlsx")));
}

// --- tabs and wiring ----------------------------------------------------------------------------------
function showTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== `tab-${name}`;
  location.hash = name;
  if (!state.dataset) return;
  if (name === "plan") guard(renderPlan);
  if (name === "fairness") guard(renderFairness);
  if (name === "calendar") guard(renderCalendar);
  if (name === "history") guard(renderHistory);
}

function wire() {
  $("#api-key").value = getKey();
  $("#key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    setKey($("#api-key").value.trim());
    guard(loadDatasets);
  });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("#dataset").addEventListener("change", (e) => guard(() => selectDataset(e.target.value)));
  $("#account-search").addEventListener("input", () => state.version && renderAccounts());
  $("#plan-select").addEventListener("change", () => {
    state.explained = null;
    $("#explain").replaceChildren(h("p", { class: "muted" }, t("explain.hint")));
    guard(renderPlan);
  });
  $("#scatter-region").addEventListener("change", () => guard(renderPlan));
  $("#fairness-plan").addEventListener("change", () => guard(renderFairness));
  $("#compare-run").addEventListener("click", () => guard(() => runCompare(state.compareOrder || [])));
  $("#cancel-job").addEventListener("click", () => { state.cancel = true; });
  $("#add-hire").addEventListener("click", () => {
    const boxes = document.querySelectorAll("#scenario-form fieldset.hire");
    const box = boxes[0].cloneNode(true);
    box.querySelectorAll("[id]").forEach((n) => n.removeAttribute("id"));
    box.querySelectorAll("input").forEach((i) => { i.value = { hire_capacity: "120", hire_count: "1" }[i.name] ?? ""; });
    box.querySelector("select[name=hire_role]").value = "account_manager";
    box.querySelector("select[name=hire_region]").value = "";
    const legend = box.querySelector("legend");
    legend.dataset.i18nN = String(boxes.length + 1);
    legend.removeAttribute("data-i18n");
    legend.textContent = t("hire.legend_n", { n: boxes.length + 1 });
    box.append(h("button", { type: "button", class: "secondary", "data-i18n": "hire.remove", onclick: () => box.remove() }, t("hire.remove")));
    boxes[boxes.length - 1].after(box);
  });
  $("#scenario-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!state.dataset) { status(t("status.pick_dataset"), true); return; }
    guard(async () => {
      const { job, result, before } = await runScenario(e.target, $("#scenario-result"), $("#job-progress"));
      state.scenarioShown = { job, result, before };
      $("#scenario-result").replaceChildren(...resultView(job, result, before));
    });
  });
  wireStaff({ state, afterApply: loadDatasets });  // the header's data set list shows the new version too
  wireHistory({ state, showPlan: (planId) => { $("#plan-select").value = planId; showTab("plan"); } });
  wireUpload(async (id) => {
    await loadDatasets();
    $("#dataset").value = id;
    await selectDataset(id);
  });
  wireCalendar({ versionOf, planOf: async (id) => state.plans.find((p) => p.id === id) || api(`/plans/${id}`) });
  const tab = location.hash.slice(1);
  if (document.querySelector(`#tabs button[data-tab="${tab}"]`)) showTab(tab);
  if (getKey()) guard(loadDatasets);
  else status(t("status.enter_key"));
}

// The language switch: static text at once, then what is on screen drawn again in the new words.
function wireLanguage() {
  $("#lang").value = lang();
  $("#lang").addEventListener("change", (e) => {
    setLang(e.target.value);
    for (const legend of document.querySelectorAll("#scenario-form fieldset.hire legend[data-i18n-n]")) legend.textContent = t("hire.legend_n", { n: legend.dataset.i18nN });
    showMe();
    showChosen();
    renderStaff();
    if (!state.dataset) { status(getKey() ? "" : t("status.enter_key")); return; }
    // The last scenario's answer, as it is on screen (its job line too).
    if (state.scenarioShown) {
      const { job, result, before } = state.scenarioShown;
      $("#scenario-result").replaceChildren(...resultView(job, result, before));
      $("#job-progress").replaceChildren(progressView(job, Number(new FormData($("#scenario-form")).get("time_limit") || 5)));
    }
    guard(async () => {
      await selectDataset(state.dataset.id);
      if (!$("#tab-compare").hidden && state.compared) await runCompare(state.compared);
    });
  });
}

// Charts follow their box's width by themselves (charts.js); when the window's width changes a lot
// (a phone turned, a window resized) the tab on screen is drawn again too: the charts' name column,
// the map's height and the calendar are laid out for the width they are drawn at.
function wireResize() {
  let width = window.innerWidth, timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (Math.abs(window.innerWidth - width) < 40 || !state.dataset) return;
      width = window.innerWidth;
      if (!$("#tab-plan").hidden) guard(renderPlan);
      if (!$("#tab-fairness").hidden) guard(renderFairness);
      if (!$("#tab-calendar").hidden) guard(renderCalendar);
    }, 200);
  });
}

loadMessages().then(() => {
  applyPage();
  wireLanguage();
  wireResize();
  wire();
});

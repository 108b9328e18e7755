// The Staff change tab: a leaver is previewed as a dry run of the very event Accept posts (same key,
// budget and time limit; the server stores nothing for it), so Accept records exactly the moves shown.
// What is on screen is kept in `shown` and drawn from it, so a language switch draws it again.
import { api } from "./api.js";
import { $, h, fmt, table, td, status } from "./dom.js";
import { t, word, lang } from "./i18n.js";
import { reasonWords, roleWords, roleOrder } from "./plantable.js";
import { serverText } from "./server_words.js";

const TIME_LIMIT_SECONDS = 5; // the re-plan's time, the same for the preview and the event
const DEFAULT_BUDGET = 20; // the event's own default when the form's budget is empty

let ctx = null; // { state, afterApply }
let shown = { body: null, preview: null, applied: null, busy: null };

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);
const eventsPath = () => `/datasets/${ctx.state.dataset.id}/events`;

export function wireStaff(context) {
  ctx = context;
  $("#staff-form").addEventListener("submit", (e) => {
    e.preventDefault();
    preview(e.target).catch((err) => { shown.busy = null; renderStaff(); status(err.message, true); console.error(err); });
  });
  $("#staff-manager").addEventListener("change", fillStaffRoles);
}

// A person holding several team roles may leave one and keep the others: "leaves all roles" or
// "only <role>" (manager_left's roles). Refilled on a language switch; what was chosen stays.
export function fillStaffRoles() {
  if (!ctx || !ctx.state.version) return;
  const select = $("#staff-roles");
  const person = ctx.state.version.data.managers.find((m) => m.manager_id === $("#staff-manager").value);
  // In the policy's order (the account manager first), as the Plan tab lists a team.
  const policy = ctx.state.version.data.policy || {};
  const order = ["account_manager", ...Object.keys((policy.teams && policy.teams.roles) || {})];
  const rank = (role) => (order.includes(role) ? order.indexOf(role) : order.length);
  const held = person ? roleOrder(person.roles || []).sort((a, b) => rank(a) - rank(b)) : [];
  const keep = select.value;
  select.replaceChildren(h("option", { value: "" }, t("staff.leaves_all")),
    ...held.map((role) => h("option", { value: role }, t("staff.leaves_only", { role: rolesSaid([role]) }))));
  select.value = held.includes(keep) ? keep : "";
  $("#staff-roles-label").hidden = held.length < 2;
}

// A new data set on screen: an answer about another data set is not shown under it.
export function forgetStaff() {
  shown = { body: null, preview: null, applied: null, busy: null };
  renderStaff();
}

async function preview(form) {
  const f = new FormData(form);
  const manager = f.get("manager");
  if (!manager) { status(t("staff.choose"), true); return; }
  const body = { type: "manager_left", manager_id: manager, idempotency_key: newKey(), time_limit_seconds: TIME_LIMIT_SECONDS,
    max_moves: f.get("max_moves") === "" ? DEFAULT_BUDGET : Number(f.get("max_moves")) };
  if (f.get("date")) body.effective_date = f.get("date");
  if (!$("#staff-roles-label").hidden && f.get("roles")) body.roles = [f.get("roles")];
  shown = { body, preview: null, applied: null, busy: "preview" };
  renderStaff();
  shown.preview = await api(eventsPath(), { method: "POST", body: { ...body, dry_run: true } });
  shown.busy = null;
  renderStaff();
  status(t("staff.previewed"));
}

async function accept() {
  if (!shown.preview || shown.applied || shown.busy) return;
  shown.busy = "accept";
  renderStaff();
  status(says("staff.posting_status", shown.body));
  try {
    // The body the preview was a dry run of, key included: the server stores the previewed answer.
    shown.applied = await api(eventsPath(), { method: "POST", body: shown.body });
  } finally {
    shown.busy = null;
    renderStaff();
  }
  await ctx.afterApply();
  status(says("staff.applied_status", shown.body));
}

// Roles inside a sentence: English writes them in lower case ("gives up technical support").
const rolesSaid = (roles) => roles.map((r) => (lang() === "en" ? roleWords(r).toLowerCase() : roleWords(r))).join(t("word.list_sep"));

// A message about the event: "<who> left", or with roles "<who> gives up <role>" (key + "_role").
function says(key, body, manager = body.manager_id) {
  return body.roles ? t(`${key}_role`, { manager, role: rolesSaid(body.roles) }) : t(key, { manager });
}

// The moves, account managers' and team slots', the same in the preview and the event's answer
// (ids and times aside).
const movesOf = (e) => JSON.stringify([e.status, e.diff && e.diff.moved, e.diff && e.diff.team_slots, e.uncovered]);

export function renderStaff() {
  const out = $("#staff-out");
  if (!shown.body) { out.replaceChildren(); return; }
  const body = shown.body;
  const manager = body.manager_id;
  const nodes = [];
  if (shown.busy === "preview") nodes.push(h("p", { class: "muted", role: "status" }, body.roles
    ? t("staff.previewing_role", { manager: who(manager), role: rolesSaid(body.roles), seconds: fmt(TIME_LIMIT_SECONDS) })
    : t("staff.previewing", { manager: who(manager), seconds: fmt(TIME_LIMIT_SECONDS) })));
  const answer = shown.applied || shown.preview;
  if (answer) nodes.push(...answerView(answer, manager));
  if (shown.preview && shown.preview.status !== "no_change") {
    const label = says(shown.applied ? "staff.applied" : shown.busy === "accept" ? "staff.posting" : "staff.accept", body);
    nodes.push(h("p", { class: "write-only" },
      h("button", { type: "button", "data-testid": "staff-accept", disabled: Boolean(shown.applied || shown.busy), onclick: () => accept().catch((err) => { status(err.message, true); console.error(err); }) }, label),
      shown.applied ? null : h("span", { class: "muted" }, " ", t("staff.accept_hint"))));
  }
  if (shown.applied) {
    const same = movesOf(shown.applied) === movesOf(shown.preview);
    nodes.push(h("p", { class: same ? "muted" : "flag-overload", "data-testid": "staff-same" }, t(same ? "staff.same_as_preview" : "staff.differs_from_preview")));
  }
  out.replaceChildren(...nodes);
}

function names() {
  const data = ctx.state.version ? ctx.state.version.data : { managers: [], accounts: [] };
  return { managers: new Map(data.managers.map((m) => [m.manager_id, m.name])), accounts: new Map(data.accounts.map((a) => [a.account_id, a.name])) };
}
function who(managerId) {
  const name = managerId && names().managers.get(managerId);
  return managerId ? (name ? `${managerId} ${name}` : managerId) : "–";
}

function answerView(e, manager) {
  const { accounts } = names();
  const account = (id) => (accounts.get(id) ? `${id} ${accounts.get(id)}` : id);
  const d = e.diff;
  const nodes = [h("h2", { "data-testid": "staff-heading" },
    says(e.dry_run ? "staff.preview_heading" : "staff.applied_heading", shown.body, who(manager)))];
  if (e.status === "no_change") {
    nodes.push(h("p", {}, t("staff.no_change")));
  }
  if (d) {
    const card = (label, value, hint, id) => h("div", { class: "card", title: hint, "data-testid": id }, label, h("b", {}, fmt(value)), h("small", { class: "muted" }, hint));
    nodes.push(h("div", { class: "cards kpis", "data-testid": "staff-summary" },
      card(t("staff.card.moved"), d.moved_count, t("staff.card.moved_hint"), "staff-moved-count"),
      card(t("staff.card.forced"), d.forced_moves, t("staff.card.forced_hint"), "staff-forced"),
      // A team slot moved by choice counts against the same budget as an account (max_moves).
      card(t("staff.card.voluntary"), d.voluntary_moves, t(d.team_slots && d.team_slots.length ? "staff.card.voluntary_hint_team" : "staff.card.voluntary_hint", { budget: fmt(shown.body.max_moves) }), "staff-voluntary"),
      card(t("staff.card.uncovered"), e.uncovered.length, t("staff.card.uncovered_hint"), "staff-uncovered-count"),
      // The cards above count account managers; a team's other roles are counted here (no teams: no card).
      d.team_slots && d.team_slots.length ? card(t("staff.card.team_slots"), d.team_slots.length, t("staff.card.team_slots_hint", {
        forced: fmt(d.team_slots.filter((c) => c.reason === "forced").length),
        voluntary: fmt(d.team_slots.filter((c) => c.reason === "voluntary").length) }), "staff-team-slots-count") : null));
  }
  const notes = [...e.notes, ...e.reasons].map(serverText);
  if (notes.length) nodes.push(h("ul", { class: "compact", "data-testid": "staff-notes" }, notes.map((n) => h("li", {}, n))));
  if (d && d.unserved.length) {
    nodes.push(h("h3", {}, t("staff.uncovered_heading", { n: fmt(d.unserved.length) })),
      h("div", { class: "scroll" }, table(["account", "tier", "was_with", "why"].map((k) => t(`col.${k}`)), d.unserved.map((u) =>
        h("tr", { "data-account": u.account_id }, td(account(u.account_id)), td(word("tier", u.tier)), td(who(u.from_manager_id)), td(unservedWhy(u), { class: "why" }))),
      { class: "wide", "data-testid": "staff-uncovered" })));
  }
  if (d && d.moved.length) {
    nodes.push(h("h3", {}, t("staff.moved_heading", { n: fmt(d.moved.length) })),
      h("div", { class: "scroll tall" }, table(["account", "tier", "from", "to", "why"].map((k) => t(`col.${k}`)), d.moved.map((m) =>
        h("tr", { "data-account": m.account_id }, td(account(m.account_id)), td(word("tier", m.tier)), td(who(m.from_manager_id)),
          td(m.to_manager_id ? who(m.to_manager_id) : t("plan.unassigned")), td(reasonWords(m.reason) || (m.forced ? t("staff.had_to") : t("staff.by_choice")), { class: "why" }))),
      { class: "wide", "data-testid": "staff-moved" })));
  }
  // Without account teams the list is empty and nothing is shown.
  if (d && d.team_slots && d.team_slots.length) nodes.push(...teamSlotsView(d.team_slots));
  return nodes;
}

// The team slots (roles beside the account manager) whose person changes, as the event's answer
// lists them: account, role, from, to ("nobody" for an empty slot) and whether it had to change.
function teamSlotsView(changes) {
  const { accounts } = names();
  const account = (id) => (accounts.get(id) ? `${id} ${accounts.get(id)}` : id);
  // A slot may be held by several people today (;-separated); null is nobody.
  const people = (ids) => (ids ? ids.split(";").map(who).join(t("word.list_sep")) : t("staff.nobody_in_role"));
  const role = (c) => (c.slot > 1 ? t("staff.role_slot", { role: roleWords(c.role), slot: fmt(c.slot) }) : roleWords(c.role));
  const why = (reason) => (reason === "forced" ? t("staff.had_to") : reason === "voluntary" ? t("staff.by_choice") : t("staff.slot_was_empty"));
  return [h("h3", {}, t("staff.team_slots_heading", { n: fmt(changes.length) })),
    h("div", { class: "scroll tall" }, table(["account", "role", "from_person", "to_person", "why"].map((k) => t(`staff.col.${k}`)), changes.map((c) =>
      h("tr", { "data-account": c.account_id, "data-role": c.role, "data-slot": String(c.slot), "data-from": c.from_manager_id || "", "data-to": c.to_manager_id || "", "data-reason": c.reason || "" },
        td(account(c.account_id)), td(role(c)), td(people(c.from_manager_id)), td(people(c.to_manager_id)), td(why(c.reason), { class: "why" }))),
    { class: "wide", "data-testid": "staff-team-slots" }))];
}

// Why an account is left without a manager: the move reason in words, then the re-plan's detail
// (the server's text after "; ", e.g. the hours the managers who may serve it have free).
function unservedWhy(u) {
  const detail = u.why && u.why.includes("; ") ? u.why.slice(u.why.indexOf("; ") + 2) : "";
  const reason = u.reason ? reasonWords(u.reason) : t("staff.had_none");
  return detail ? `${reason}${t("word.semicolon")}${serverText(detail)}` : reason;
}

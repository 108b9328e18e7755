// The Calendar tab: build a plan's visit calendar (a job on the API), then show it per manager:
// a summary table with .ics downloads, the shortfalls in words, and a week grid (rows = weeks, Mon..Sun).
import { api, apiFile, ApiError, sleep } from "./api.js";
import { barChart, utilisationClass, COLOURS } from "./charts.js";
import { $, h, fmt, table, td, status, guard } from "./dom.js";
import { t, has, word, day, date, dateTime, weekdayNames, num } from "./i18n.js";
import { serverText } from "./server_words.js";
import { roleWords, roleOrder } from "./plantable.js";

// deps: {planOf(id), versionOf(datasetId, version)} from app.js; follow: the build being polled.
const cal = { deps: null, follow: null, cancel: false, shown: null, prefilled: null, previous: {} };
// The reasons planner/calendar/summary.py gives, in words a sales director reads (cal.reason.* in the catalogue).
// A team plan's visitor may hold any role: its reasons say "the person" (cal.reason_team.*) where they exist.
const reasonWords = (r, team = false) =>
  team && has(`cal.reason_team.${r}`) ? t(`cal.reason_team.${r}`) : has(`cal.reason.${r}`) ? t(`cal.reason.${r}`) : r;
const tierWord = (tier) => word("tier", tier);

// --- dates: ISO strings, arithmetic in UTC so no time zone shifts a day ------------------------------------
const DAY_MS = 86_400_000;
const toDate = (iso) => new Date(`${iso}T00:00:00Z`);
const isoOf = (d) => d.toISOString().slice(0, 10);
const addDays = (iso, n) => isoOf(new Date(toDate(iso).getTime() + n * DAY_MS));
const weekdayOf = (iso) => (toDate(iso).getUTCDay() + 6) % 7; // 0 = Monday
const dayLabel = (iso) => day(iso);
const clock = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
// The API's timestamps are UTC, written without a zone.
const utc = (stamp) => new Date(stamp + (/Z|[+-]\d\d:\d\d$/.test(stamp) ? "" : "Z"));

function nextMonday() {
  const d = new Date();
  d.setDate(d.getDate() + (((8 - d.getDay()) % 7) || 7));
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// --- talking to the API ------------------------------------------------------------------------------------
const active = (c) => c && (c.status === "queued" || c.status === "running");

// The plan's latest calendar (in `wanted` status if given), or null when it has none.
async function latestCalendar(planId, wanted) {
  try {
    return await api(`/plans/${planId}/calendar${wanted ? `?status=${wanted}` : ""}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && /no .*calendar/.test(e.message)) return null;
    throw e;
  }
}

function setBusy(busy) {
  $("#calendar-cancel").hidden = !busy;
  $("#calendar-build").disabled = busy;
}

// Poll a build until it is done (like runJob); Cancel sends DELETE. Stops quietly if the user moves on.
async function follow(planId, first) {
  const token = { planId };
  cal.follow = token;
  cal.cancel = false;
  setBusy(true);
  let c = first;
  try {
    while (active(c)) {
      $("#calendar-progress").replaceChildren(progressView(c));
      await sleep(500);
      if (cal.follow !== token) return;
      const cancel = cal.cancel;
      cal.cancel = false;
      c = await api(`/plans/${planId}/calendar`, cancel ? { method: "DELETE" } : {});
    }
  } finally {
    if (cal.follow === token) { cal.follow = null; setBusy(false); }
  }
  status(t("cal.status", { id: c.id.slice(0, 8), status: word("job", c.status) }), c.status === "failed");
  await show(planId, c);
}

async function build(form) {
  const planId = $("#calendar-plan").value;
  if (!planId) { status(t("cal.pick_plan"), true); return; }
  const f = new FormData(form);
  const body = { start: f.get("start"), weeks: Number(f.get("weeks")), time_limit_seconds: Number(f.get("time_limit")) };
  const country = String(f.get("country") || "").trim();
  if (country) body.country = country;
  // A rebuild keeps what only the API can set (leave, availability, settings, seed) unless told not to.
  if (f.get("keep")) {
    for (const k of ["leave", "availability", "settings", "seed"]) if (cal.previous[k] != null) body[k] = cal.previous[k];
  }
  $("#calendar-error").replaceChildren();
  let c;
  try {
    c = await api(`/plans/${planId}/calendar`, { method: "POST", body });
  } catch (e) {
    $("#calendar-error").replaceChildren(h("p", { class: "flag-overload", "data-testid": "calendar-error" }, e.message));
    throw e;
  }
  cal.previous = c.request;
  status(t("cal.building", { plan: planId.slice(0, 8) }));
  await follow(planId, c);
}

async function downloadIcs(url) {
  const { blob, filename } = await apiFile(url);
  const href = URL.createObjectURL(blob);
  const a = h("a", { href, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

// --- the tab -----------------------------------------------------------------------------------------------
export async function renderCalendar() {
  const planId = $("#calendar-plan").value;
  if (!planId) {
    $("#calendar-progress").replaceChildren(h("p", { class: "muted" }, t("plan.none")));
    $("#calendar-out").replaceChildren();
    return;
  }
  if (cal.follow && cal.follow.planId === planId) return; // its polling loop draws the tab
  cal.follow = null;
  setBusy(false);
  const latest = await latestCalendar(planId);
  if (planId !== $("#calendar-plan").value) return;
  prefill(planId, latest);
  if (active(latest)) await follow(planId, latest);
  else await show(planId, latest);
}

// The form starts from the plan's latest request, so "build again" is one click.
function prefill(planId, latest) {
  const r = latest ? latest.request : {};
  cal.previous = r;
  const leave = (r.leave || []).length, availability = (r.availability || []).length;
  $("#calendar-keep").hidden = !(leave || availability || r.settings);
  $("#calendar-keep-text").textContent = t("cal.keep", { leave: leave === 1 ? t("cal.leave_one") : t("cal.leave_many", { n: fmt(leave) }),
    availability: fmt(availability), settings: r.settings ? t("cal.keep_settings") : "" });
  if (cal.prefilled === planId) return;
  cal.prefilled = planId;
  const form = $("#calendar-form").elements;
  form.namedItem("start").value = r.start || nextMonday();
  form.namedItem("weeks").value = r.weeks || 4;
  form.namedItem("country").value = r.country || "";
  form.namedItem("time_limit").value = r.time_limit_seconds || 30;
}

function progressView(c) {
  const limit = (c.request && c.request.time_limit_seconds) || 30;
  const elapsed = c.started_at ? Math.max(0, (Date.now() - utc(c.started_at)) / 1000) : 0;
  const bar = !active(c) ? { max: 1, value: 1 } : c.status === "queued" ? {} : { max: limit, value: Math.min(limit, elapsed) };
  return h("div", { "data-testid": "calendar-status", "data-status": c.status, "data-id": c.id },
    h("p", {}, t("cal.latest", { id: c.id.slice(0, 8), who: c.created_by, when: dateTime(utc(c.created_at)) }),
      h("b", {}, word("job", c.status)),
      c.status === "running" ? t("cal.elapsed", { elapsed: num(elapsed, { maximumFractionDigits: 0 }), limit: fmt(limit) }) : "",
      c.error ? ` · ${serverText(c.error)}` : ""),
    h("progress", bar));
}

async function show(planId, latest) {
  const out = $("#calendar-out");
  if (!latest) {
    $("#calendar-progress").replaceChildren(h("p", { "data-testid": "calendar-status", "data-status": "none" },
      t("cal.none")));
    out.replaceChildren();
    return;
  }
  $("#calendar-progress").replaceChildren(progressView(latest));
  let c = latest, note = null;
  if (latest.status !== "succeeded") {
    c = await latestCalendar(planId, "succeeded");
    if (c) note = t("cal.last_good", { id: c.id.slice(0, 8), when: dateTime(utc(c.finished_at)) });
  }
  if (!c) { out.replaceChildren(); return; }
  const plan = await cal.deps.planOf(planId);
  const version = await cal.deps.versionOf(plan.dataset_id, plan.dataset_version);
  if (planId !== $("#calendar-plan").value) return;
  const keepManager = $("#calendar-manager") && $("#calendar-manager").value;
  cal.shown = {
    c,
    managerName: new Map(version.data.managers.map((m) => [m.manager_id, m.name])),
    managerRoles: new Map(version.data.managers.map((m) => [m.manager_id, m.roles || []])),
    accountName: new Map(version.data.accounts.map((a) => [a.account_id, a.name])),
  };
  out.replaceChildren(...resultView(c, note).filter(Boolean));
  const select = $("#calendar-manager");
  if (c.managers.some((m) => m.manager_id === keepManager)) select.value = keepManager;
  renderGrid();
  await visitsChart(c);
}

// A team plan's calendar: its people work in any role (their visits carry it), counted over all of them.
const calTeam = (c) => c.visits.some((v) => v.role);

// Visits planned per manager (per person in a team plan, over all their roles) against those the tiers require (ECharts: charts.js).
function visitsChart(c) {
  const visits = (v) => num(v, { maximumFractionDigits: 0 });
  return barChart($("#calendar-chart"), {
    labels: c.managers.map((m) => who(m.manager_id)), axis: t("chart.axis.visits"), format: visits, aria: t(calTeam(c) ? "cal.chart_team" : "cal.chart"),
    series: [{ name: t("chart.visits_planned"), values: c.managers.map((m) => m.planned_visits),
      colours: c.managers.map((m) => (m.missed_visits ? COLOURS["u-high"] : COLOURS["u-ok"])) }],
    limits: { name: t("chart.visits_required"), values: c.managers.map((m) => m.required_visits) },
    tips: c.managers.map((m) => t("cal.chart_tip", { planned: fmt(m.planned_visits), required: fmt(m.required_visits) })),
  });
}

// --- the built calendar ------------------------------------------------------------------------------------
const who = (id) => `${id} ${cal.shown.managerName.get(id) || ""}`.trim();
const accountLabel = (id) => `${id} ${cal.shown.accountName.get(id) || ""}`.trim();

function resultView(c, note) {
  const s = c.summary, hz = s.horizon;
  const shortBy = new Map();
  for (const a of c.shortfall) shortBy.set(a.manager_id, (shortBy.get(a.manager_id) || 0) + 1);
  const busiest = s.busiest_day;
  // A team plan's calendar: its visits carry the person's role; each person's roles in the table.
  const team = c.visits.some((v) => v.role);
  const rolesOf = new Map();
  for (const v of c.visits) if (v.role) rolesOf.set(v.manager_id, new Set([...(rolesOf.get(v.manager_id) || []), v.role]));
  // The roles a person visits in; one with no visit (on leave all along), the roles the data give them.
  const roleList = (id) => roleOrder(rolesOf.get(id) || cal.shown.managerRoles.get(id) || []).map(roleWords).join(t("word.list_sep"));
  return [
    note ? h("p", { class: "note" }, note) : null,
    h("h2", {}, t("cal.heading", { start: date(hz.start), end: date(hz.end),
      weeks: hz.weeks === 1 ? t("cal.week_one") : t("cal.week_many", { n: fmt(hz.weeks) }),
      holidays: hz.country ? t("cal.holidays_of", { country: hz.country }) : t("cal.no_holidays") })),
    h("div", { class: "cards" },
      h("div", { class: "card" }, t("cal.planned"), h("b", {}, `${fmt(s.visits.planned)} / ${fmt(s.visits.required)}`)),
      h("div", { class: "card" }, t("cal.short_accounts"), h("b", {}, fmt(c.shortfall.length))),
      h("div", { class: "card" }, t("cal.travel"), h("b", {}, t("word.hours", { n: fmt(s.travel_hours_total) }))),
      h("div", { class: "card" }, t("cal.busiest"), h("b", {}, busiest ? t("word.hours", { n: fmt(busiest.hours) }) : "–"),
        busiest ? h("small", {}, `${who(busiest.manager_id)}, ${date(busiest.date)}`) : null),
      h("div", { class: "card" }, t("cal.over_days"), h("b", {}, fmt(s.days_over_capacity)))),
    h("div", { class: "grid" },
      h("div", {}, h("h2", {}, t(team ? "cal.chart_team" : "cal.chart")), h("div", { id: "calendar-chart", "data-testid": "calendar-chart" }))),
    h("h2", {}, t(team ? "cal.managers_team" : "cal.managers")),
    h("div", { class: "scroll" }, table(
      [...["manager", "accounts", "working_days", "planned", "required", "missed", "travel", "visit", "nights", "short", "file"].map((k) => t(team && k === "manager" ? "cal.col.person" : `cal.col.${k}`)), ""],
      c.managers.map((m) => h("tr", { "data-manager": m.manager_id },
        team ? h("td", {}, who(m.manager_id), h("small", { class: "muted block" }, roleList(m.manager_id))) : td(who(m.manager_id)), td(m.accounts), td(m.working_days), td(m.planned_visits), td(m.required_visits),
        td(m.missed_visits, { class: m.missed_visits ? "num flag-overload" : "num" }), td(m.travel_hours), td(m.visit_hours),
        td(m.nights_away || 0),
        td(shortBy.get(m.manager_id) || 0),
        h("td", {}, h("a", { href: m.ics, "data-testid": "ics-link", "data-manager": m.manager_id,
          onclick: (e) => { e.preventDefault(); guard(() => downloadIcs(m.ics)); } }, t("cal.ics"))),
        h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => pickManager(m.manager_id) }, t("cal.week_grid"))))),
      { "data-testid": "calendar-managers" })),
    ...shortfallView(c),
    ...jointView(c.joint_visits),
    h("h2", { id: "calendar-grid-title" }, t("cal.by_week")),
    h("label", {}, `${t(team ? "cal.col.person" : "cal.manager")} `, h("select", { id: "calendar-manager", onchange: renderGrid },
      c.managers.map((m) => h("option", { value: m.manager_id }, who(m.manager_id))))),
    h("p", { class: "legend" }, h("span", { class: "sw day-off" }), t("cal.day_off"),
      h("span", { class: "sw day-holiday" }), t("cal.holiday"),
      h("span", { class: "sw day-leave" }), t("cal.leave"), h("span", { class: "sw day-makeup" }), t("cal.makeup"),
      t("cal.bar_legend")),
    h("div", { id: "calendar-grid", class: "scroll" }),
  ];
}

// Joint visits (a team plan whose policy asks for them): how many were placed, when and by whom,
// and those not placed with why (the server's words, said again in the page's language).
function jointView(joint) {
  if (!joint) return [];
  const partner = (j) => (j.partner_id ? who(j.partner_id) : t("service.unfilled"));
  const nodes = [h("h2", {}, t("cal.joint_heading", { placed: fmt(joint.placed), asked: fmt(joint.asked) })),
    h("p", { class: "muted" }, t("cal.joint_intro"))];
  if (joint.visits.length) {
    nodes.push(h("ul", { class: "compact", "data-testid": "joint-placed" }, joint.visits.map((j) => h("li", { "data-account": j.account_id },
      t("cal.joint_placed", { date: date(j.date), start: j.start, account: accountLabel(j.account_id), manager: who(j.manager_id), partner: partner(j), role: roleWords(j.role) })))));
  }
  if (!joint.not_placed.length) nodes.push(h("p", { "data-testid": "joint-not-placed" }, t("cal.joint_all")));
  else {
    nodes.push(h("h3", {}, t("cal.joint_missed_heading", { n: fmt(joint.not_placed.length) })),
      h("ul", { class: "compact", "data-testid": "joint-not-placed" }, joint.not_placed.map((j) => h("li", { "data-account": j.account_id },
        h("b", { class: "flag-overload" }, t("cal.joint_missed", { account: accountLabel(j.account_id), from: date(j.window_start), to: date(j.window_end), manager: who(j.manager_id), partner: partner(j), role: roleWords(j.role) })),
        j.reason ? [h("br"), serverText(j.reason)] : null))));
  }
  return nodes;
}

function pickManager(managerId) {
  $("#calendar-manager").value = managerId;
  renderGrid();
  $("#calendar-grid-title").scrollIntoView({ behavior: "smooth" });
}

function shortfallView(c) {
  const unassigned = c.summary.unassigned_accounts || [];
  const team = calTeam(c);  // each short visit names the person's role (a calendar stored before it did: none)
  const nodes = [h("h2", {}, t("cal.shortfalls", { n: fmt(c.shortfall.length) }))];
  if (!c.shortfall.length) nodes.push(h("p", { "data-testid": "calendar-shortfalls" }, t("cal.all_visits")));
  else {
    nodes.push(h("ul", { class: "compact scroll tall", "data-testid": "calendar-shortfalls" }, c.shortfall.map((a) => h("li", { "data-account": a.account_id },
      h("b", {}, accountLabel(a.account_id)),
      t(team && a.role ? "cal.short_line_team" : "cal.short_line", { tier: tierWord(a.tier), role: a.role ? roleWords(a.role) : "", manager: who(a.manager_id), planned: fmt(a.planned), required: fmt(a.required) }),
      a.reason.split("; ").map((r) => reasonWords(r, team)).join(t("cal.also")), t("cal.end")))));
  }
  if (unassigned.length) {
    nodes.push(h("p", { class: "flag-overload" }, t("cal.no_manager", { n: fmt(unassigned.length), accounts: `${unassigned.slice(0, 20).join(", ")}${unassigned.length > 20 ? " …" : ""}` })));
  }
  return nodes;
}

// Rows are calendar weeks from the Monday on or before the start; days outside the horizon stay blank.
function renderGrid() {
  const { c } = cal.shown;
  const managerId = $("#calendar-manager").value;
  const s = c.summary, hz = s.horizon;
  const byDate = new Map();
  for (const v of c.visits.filter((x) => x.manager_id === managerId)) {
    if (!byDate.has(v.date)) byDate.set(v.date, []);
    byDate.get(v.date).push(v);
  }
  for (const list of byDate.values()) list.sort((a, b) => a.sequence - b.sequence);
  const m = c.managers.find((x) => x.manager_id === managerId) || {};
  // The API says which days are off and why (holidays, weekends, this manager's leave) and
  // which weekend days are worked instead (make-up days).
  const off = new Map([...(c.days_off || []), ...(m.own_days_off || [])].map((d) => [d.date, d.reason]));
  const day = { hz, byDate, settings: s.settings, off, extra: new Set(c.extra_working_days || []) };
  const rows = [];
  for (let monday = addDays(hz.start, -weekdayOf(hz.start)); monday <= hz.end; monday = addDays(monday, 7)) {
    rows.push(h("tr", {}, h("th", {}, t("cal.week_of", { day: dayLabel(monday) })), [0, 1, 2, 3, 4, 5, 6].map((k) => dayCell(addDays(monday, k), day))));
  }
  $("#calendar-grid").replaceChildren(
    h("p", {}, t("cal.grid_line", { manager: who(managerId), visits: fmt(m.planned_visits), days: fmt(byDate.size), working: fmt(m.working_days), travel: fmt(m.travel_hours) })),
    table(["", ...weekdayNames()], rows, { class: "week-grid plain", "data-testid": "week-grid", "data-manager": managerId }));
}

// A day off in words: leave, a departed manager, or a holiday (its name as the holiday calendar gives it).
function dayOffWords(reason) {
  if (!reason) return "";
  if (reason === "leave") return t("cal.leave");
  if (reason === "manager inactive") return t("cal.manager_inactive");
  if (reason.startsWith("holiday: ")) return t("cal.holiday_named", { name: reason.slice(9) });
  return reason;
}

function dayCell(iso, { hz, byDate, settings, off, extra }) {
  if (iso < hz.start || iso > hz.end) return h("td", { class: "outside" }, h("div", { class: "day" }, dayLabel(iso)));
  const visits = byDate.get(iso) || [];
  const reason = off.get(iso);
  const kind = reason === undefined ? (extra.has(iso) ? "makeup" : "")
    : reason.startsWith("holiday") ? "holiday" : reason === "leave" || reason === "manager inactive" ? "leave" : "off";
  const words = kind === "makeup" ? t("cal.makeup") : kind === "off" ? t("cal.day_off") : dayOffWords(reason);
  return h("td", { class: kind ? `day-${kind}` : "", "data-date": iso, title: words || null },
    h("div", { class: "day" }, dayLabel(iso), words ? h("small", {}, ` · ${words}`) : null),
    visits.length ? loadBar(visits, settings) : null,
    visits.length ? h("ul", { class: "visits" }, visits.map((v) => h("li", { "data-account": v.account_id,
      title: t("cal.visit_tip", { start: v.start, end: v.end, account: accountLabel(v.account_id), minutes: fmt(v.travel_minutes_before) }) },
    h("b", {}, v.start), " ", v.account_id, h("small", {}, ` ${cal.shown.accountName.get(v.account_id) || ""}`),
    // A team plan's visit: the person's role there unless it is the account manager's; a joint visit names the other person.
    teamLine(v)))) : null,
    // An overnight trip: the night is spent near the day's last visit, the next day starts there.
    visits.some((v) => v.night_away) ? h("p", { class: "night", "data-testid": "night-away" },
      `☾ ${t("cal.night_away", { account: accountLabel(visits[visits.length - 1].account_id) })}`) : null,
    homeward(iso, visits, byDate));
}

// A team plan's visit, on a line of its own under it: the person's role there unless they are the
// account manager, and a joint visit's other person.
function teamLine(v) {
  const role = v.role && v.role !== "account_manager" ? t("cal.as_role", { role: roleWords(v.role) }) : null;
  const joint = v.joint_with ? h("span", { class: "joint", "data-testid": "joint-visit" }, t("cal.joint_with", { who: who(v.joint_with) })) : null;
  if (!role && !joint) return null;
  return h("small", { class: "team-line" }, role, role && joint ? " · " : null, joint);
}

// A day after a night away with no visit of its own is the road home (visits.csv has no row for it).
function homeward(iso, visits, byDate) {
  const before = byDate.get(addDays(iso, -1)) || [];
  if (visits.length || !before.some((v) => v.night_away)) return null;
  return h("p", { class: "night", "data-testid": "road-home" },
    `→ ${t("cal.road_home", { account: accountLabel(before[before.length - 1].account_id) })}`);
}

// The drive home is not in visits.csv, so the bar counts visits and the travel to each.
function loadBar(visits, settings) {
  const busy = visits.reduce((t, v) => t + clock(v.end) - clock(v.start) + v.travel_minutes_before, 0);
  const share = busy / (settings.hours_per_day * 60);
  const fill = h("span", { bg: COLOURS[utilisationClass(share)] });
  fill.style.width = `${(Math.min(1, share) * 100).toFixed(1)}%`; // through the CSSOM, as h() sets colours
  const tip = t("cal.bar_tip", { hours: num(busy / 60, { maximumFractionDigits: 1 }), day: fmt(settings.hours_per_day) });
  return h("div", { class: "load", role: "img", title: tip, "aria-label": tip }, fill);
}

export function wireCalendar(deps) {
  cal.deps = deps;
  $("#calendar-plan").addEventListener("change", () => guard(renderCalendar));
  $("#calendar-cancel").addEventListener("click", () => { cal.cancel = true; status(t("cal.cancelling")); });
  $("#calendar-form").addEventListener("submit", (e) => {
    e.preventDefault();
    guard(() => build(e.target));
  });
}

// The History tab: the data set's versions (uploaded, or made by a staff change) and which plan was
// in force when, who put it in force and how (GET .../versions, .../events, .../adoptions).
import { api } from "./api.js";
import { $, h, table, td } from "./dom.js";
import { t, dateTime } from "./i18n.js";
import { serverText, eventWord, planName } from "./server_words.js";

let ctx = null; // { state, showPlan(planId) }

export function wireHistory(context) { ctx = context; }

const when = (iso) => (iso ? dateTime(new Date(iso)) : "–");
const short = (id) => (id ? id.slice(0, 8) : "–");

export async function renderHistory() {
  const out = $("#history-out");
  const ds = ctx.state.dataset;
  if (!ds) { out.replaceChildren(); return; }
  const [versions, events, adoptions] = await Promise.all([
    api(`/datasets/${ds.id}/versions`),
    api(`/datasets/${ds.id}/events?limit=500`),
    api(`/datasets/${ds.id}/adoptions?limit=500`),
  ]);
  const eventById = new Map(events.map((e) => [e.event_id, e]));
  const planById = new Map(ctx.state.plans.map((p) => [p.id, p]));
  out.replaceChildren(
    h("h2", {}, t("history.adoptions")),
    h("p", { class: "muted" }, t("history.adoptions_hint")),
    adoptions.length ? h("div", { class: "scroll" }, adoptionTable(adoptions.slice().reverse(), eventById, planById))
      : h("p", { class: "muted", "data-testid": "no-adoptions" }, t("history.no_adoptions")),
    h("h2", {}, t("history.versions")),
    h("p", { class: "muted" }, t("history.versions_hint")),
    h("div", { class: "scroll" }, versionTable(versions.slice().reverse(), eventById)));
}

// What made a version: an upload, or a staff change (its kind, and the note the event gave below it).
function source(version, eventById) {
  if (version.source === "upload") return [t("history.source.upload")];
  const m = /^event (\w+)$/.exec(version.source);
  if (!m) return [version.source];
  const e = eventById.get(m[1]);
  if (!e) return [t("history.source.event", { what: "" })];
  const note = e.notes && e.notes.length ? serverText(e.notes[0]) : "";
  return [t("history.source.event", { what: eventWord(e.type) }), note ? h("br") : null, note ? h("small", { class: "muted" }, note) : null];
}

function versionTable(versions, eventById) {
  return table(["version", "what", "accounts", "managers", "when", "by"].map((k) => t(`history.col.${k}`)),
    versions.map((v) => h("tr", { "data-version": String(v.version) },
      td(`v${v.version}`), h("td", { class: "why" }, source(v, eventById)), td(v.accounts), td(v.managers), td(when(v.created_at)), td(v.created_by))),
    { "data-testid": "history-versions", class: "wide" });
}

function adoptionTable(adoptions, eventById, planById) {
  const how = (a) => {
    if (a.how !== "event") return t(`history.how.${a.how}`);
    const e = eventById.get(a.event_id);
    return t("history.how.event", { what: e ? eventWord(e.type) : "" });
  };
  return table(["plan", "how", "from", "until", "by"].map((k) => t(`history.col.${k}`)),
    adoptions.map((a) => {
      const plan = planById.get(a.plan_id);
      const name = planName(plan || { name: a.plan_name, event_id: a.event_id });
      const link = plan ? h("button", { type: "button", class: "secondary", "data-plan": a.plan_id, onclick: () => ctx.showPlan(a.plan_id) },
        `${name} · ${short(a.plan_id)}${a.dataset_version ? ` · v${a.dataset_version}` : ""}`) : `${name} · ${short(a.plan_id)}`;
      return h("tr", { "data-plan": a.plan_id, "data-how": a.how, class: a.in_force_until ? "" : "in-force" },
        h("td", {}, link), td(how(a)), td(when(a.adopted_at)),
        td(a.in_force_until ? when(a.in_force_until) : t("history.in_force_now"), { class: a.in_force_until ? "" : "now" }), td(a.adopted_by));
    }),
    { "data-testid": "history-adoptions", class: "wide" });
}

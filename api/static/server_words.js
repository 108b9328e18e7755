// Texts the server writes in English (staff-change notes, why accounts are left without a manager,
// job errors, the usual error answers), in the page's language: each common shape is matched and
// said again from the message catalogue (srv.*), its values kept; a text of another shape is shown
// as the server wrote it. English goes through the catalogue too, in a director's words.
import { t, has, lang } from "./i18n.js";

// [pattern, catalogue key, names of the captured values]. Patterns follow the server's wording:
// planner.scenario.changes (notes), planner.replan (reasons), api.services.events, api.app, api.store.
const SHAPES = [
  [/^(\S+) \((.*)\) leaves(?: on (\S+))?: inactive, holds no account$/, "srv.leaves", ["id", "name", "date"]],
  [/^(\S+) \((.*)\) leaves the ([a-z_]+) role; keeps (.+)$/, "srv.leaves_role", ["id", "name", "role", "kept"]],
  [/^(\S+) leaves on (\S+), after (\S+): not in force$/, "srv.leaves_later", ["id", "date", "today"]],
  [/^(\d+) accounts? in region '([^']*)' need ([\d.]+(?:-[\d.]+)?) h per month each, but the (\d+) manager\(s\) who may serve them have ([\d.]+) h free in all(?:, at most ([\d.]+) h with any one of them,)? within the disruption budget of (\d+) voluntary moves; a larger budget, a longer re-plan or a hire would help \((.*)\)$/,
    "srv.short_hours", ["n", "region", "need", "managers", "free", "most", "budget", "ids"]],
  [/^it needs ([\d.]+) h per month, but the (\d+) manager\(s\) who may serve it have ([\d.]+) h free in all(?:, at most ([\d.]+) h with any one of them,)? within the disruption budget of (\d+) voluntary moves$/,
    "srv.short_hours_one", ["need", "managers", "free", "most", "budget"]],
  [/^(\d+) accounts? in region '([^']*)' need a manager who speaks (\S+); there is none \((.*)\)$/, "srv.no_language", ["n", "region", "language", "ids"]],
  [/^nobody may serve it: accounts in region '([^']*)' need a manager who speaks (\S+); there is none$/, "srv.no_language_one", ["region", "language"]],
  [/^nobody may serve it: (.*)$/, "srv.nobody", ["why"]],
  [/^time limit grown from ([\d.]+) s to ([\d.]+) s to cover more accounts \((\d+) still uncovered\)$/, "srv.time_grown", ["from", "to", "n"]],
  [/^no change: (.*); the data already say so, the plan in force stands$/, "srv.no_change", ["what"]],
  [/^the server stopped while this job was queued or running; submit it again$/, "srv.restarted", []],
  [/^cancelled by request$/, "srv.cancelled", []],
  [/^no plan found within ([\d.]+) s \((\w+)\)$/, "srv.no_plan_in_time", ["seconds", "status"]],
  [/^(data set|plan|job|calendar|event) '([^']*)' not found$/, "srv.not_found", ["what", "id"]],
  [/^data set '([^']*)' has no plan yet$/, "srv.no_plan_yet", ["id"]],
  [/^unknown manager_id '([^']*)'(?: \(.*\))?$/, "srv.unknown_manager", ["id"]],
  [/^giving it to (.+) would cost ([\d.]+) points more \((.*)\)$/, "srv.would_cost", ["who", "cost", "parts"]],
  [/^giving it to (.+) would break: (.*)$/, "srv.would_break", ["who", "rules"]],
  [/^(.+) would be exactly as good \(a tie; the solver kept the current choice\)$/, "srv.tie", ["who"]],
  // Joint visits not placed (planner.calendar.joint_plan); a person is "Wang Fang (P01, account manager)".
  [/^(.+\)) and (.+\)) have no working day in common between (\S+) and (\S+) \((.+) works (\d+) of those days, (.+) (\d+): leave, holidays or different working days\)$/,
    "srv.joint_no_common_day", ["a", "b", "from", "to", "a_name", "a_days", "b_name", "b_days"]],
  [/^the plan leaves the account's ([a-z ]+) slot unfilled$/, "srv.joint_unfilled", ["role"]],
  [/^the account takes visits on none of the (\d+) working day\(s\) (.+\)) and (.+\)) share between (\S+) and (\S+)$/, "srv.joint_no_open_day", ["n", "a", "b", "from", "to"]],
  [/^each of the (\d+) day\(s\) (.+\)) and (.+\)) could both visit between (\S+) and (\S+) already holds another joint visit of one of them$/,
    "srv.joint_days_taken", ["n", "a", "b", "from", "to"]],
  [/^(.+) could not fit it at (\S+) on (\S+) \(the day's other visits and roads left no room\)$/, "srv.joint_no_room", ["who", "start", "date"]],
  [/^(?:missing API key \(header X-API-Key\)|unknown API key)$/, "srv.bad_key", []],
  [/^API key '([^']*)' has scope 'read'; this needs 'write'$/, "srv.read_only", ["name"]],
];

// One server text in the page's language (unknown shapes unchanged). Lists ("a; b") are split first.
export function serverText(text) {
  if (typeof text !== "string" || !text) return text;
  for (const [pattern, key, names] of SHAPES) {
    const m = pattern.exec(text);
    if (!m) continue;
    const params = {};
    names.forEach((name, i) => { params[name] = m[i + 1] ?? ""; });
    if (key === "srv.not_found") params.what = has(`srv.what.${params.what.replace(" ", "_")}`) ? t(`srv.what.${params.what.replace(" ", "_")}`) : params.what;
    if (params.ids !== undefined) params.ids = params.ids.replace(/ and (\d+) more$/, (_, n) => t("srv.and_more", { n }));
    if (key === "srv.short_hours" || key === "srv.short_hours_one") {
      params.most = params.most ? t("srv.at_most", { most: params.most }) : "";
    }
    for (const k of ["a", "b"]) if (params[k]) params[k] = personText(params[k]);
    if (params.role && key === "srv.joint_unfilled") params.role = roleText(params.role);
    if (key === "srv.leaves_role") for (const k of ["role", "kept"]) params[k] = params[k].replace(/[a-z_]+/g, (r) => roleText(r.replaceAll("_", " ")));
    if (key === "srv.leaves") params.date = params.date ? t("srv.on_date", { date: params.date }) : "";
    if (key === "srv.nobody") params.why = serverText(params.why);
    if (key === "srv.would_cost") params.parts = params.parts.split(", ").map((part) => part.replace(/^(\w+)/, (name) => partWord(name))).join(t("word.list_sep"));
    if (key === "srv.would_break") params.rules = params.rules.split(", ").map(ruleWord).join(t("word.list_sep"));
    return t(key, params);
  }
  return text;
}

// A role as the server writes it ("technical support"), in the catalogue's words.
// English keeps the server's lower-case words inside a sentence.
const roleText = (label) => { const key = `role.${label.replaceAll(" ", "_")}`; return lang() !== "en" && has(key) ? t(key) : label; };
// "Wang Fang (P01, account manager)": the role in the page's words (brackets as the language writes them).
function personText(text) {
  const m = /^(.*) \((\S+), ([a-z ]+)\)$/.exec(text);
  return m ? t("srv.person", { name: m[1], id: m[2], role: roleText(m[3]) }) : text;
}

// The status words the event and job answers carry.
export const eventStatus = (s) => (has(`job.${s}`) ? t(`job.${s}`) : s);

// A staff-change kind in words (manager_left -> "manager left").
export const eventWord = (type) => (has(`event.${type}`) ? t(`event.${type}`) : String(type).replaceAll("_", " "));

// A plan's name: an event's plan is named by the server "after <event type>", said in words here.
export function planName(p) {
  const m = /^after (\w+)$/.exec(p.name || "");
  if (p.event_id && m) return t("srv.after_event", { what: eventWord(m[1]) });
  return p.name || t(p.event_id ? "plan.event" : "plan.plan");
}

// A part of the plan's cost (moves, balance, travel...) and a rule, in words where the catalogue has them.
export const partWord = (name) => (has(`part.${name}`) ? t(`part.${name}`) : name.replaceAll("_", " "));
export const ruleWord = (name) => (has(`rule.${name}`) ? t(`rule.${name}`) : name.replaceAll("_", " "));

// The JSON API, called with the key the user typed in (kept in sessionStorage for this tab only).
import { t } from "./i18n.js";
import { serverText } from "./server_words.js";

const KEY = "planner.apiKey";

export const getKey = () => sessionStorage.getItem(KEY) || "";
export const setKey = (key) => sessionStorage.setItem(KEY, key);

// A 4xx body in words, in the page's language where the server's text has a known shape: our
// InputError lists problems by file, row and column, FastAPI's validation lists `loc`s.
function describe(status, body) {
  if (!body || typeof body !== "object") return String(body || t("err.http", { status }));
  if (Array.isArray(body.problems) && body.problems.length) {
    // As the server words them (planner.errors.InputProblem), but a request field needs no file name.
    const where = (p) => (p.file === "request" && p.column ? p.column
      : `${p.file}${p.row != null ? t("err.row", { row: p.row }) : ""}${p.column ? t("err.column", { column: p.column }) : ""}`);
    return body.problems.map((p) => `${where(p)}: ${serverText(p.message)}`).join(t("err.list_sep"));
  }
  if (Array.isArray(body.detail)) {
    return body.detail.map((d) => `${(d.loc || []).filter((k) => k !== "body").join(".") || t("err.request")}: ${String(d.msg).replace(/^Value error, /, "")}`).join(t("err.list_sep"));
  }
  if (body.detail === "infeasible" && Array.isArray(body.reasons)) {
    return `${t("job.infeasible")}: ${body.reasons.map(serverText).join(t("err.list_sep"))}`;
  }
  const detail = body.detail || (body.reasons || []).map(serverText).join(t("err.list_sep"));
  return typeof detail === "string" ? serverText(detail) : JSON.stringify(detail || body);
}

export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = "GET", body, okStatuses = [] } = {}) {
  const headers = { "X-API-Key": getKey() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch("/api/v1" + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok && !okStatuses.includes(response.status)) throw new ApiError(response.status, data);
  return data;
}

// A file the API serves (e.g. a manager's .ics), fetched with the key: `url` is the path the API gave.
export async function apiFile(url) {
  const response = await fetch(url, { headers: { "X-API-Key": getKey() } });
  if (!response.ok) {
    const text = await response.text();
    let data = text;
    try { data = JSON.parse(text); } catch { /* not JSON: keep the text */ }
    throw new ApiError(response.status, data);
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return { blob: await response.blob(), filename: named ? named[1] : url.split("/").pop() };
}

// Fetch a file with the key and save it under the server's name (a hidden link's download).
export async function saveFile(url) {
  const { blob, filename } = await apiFile(url);
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return filename;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Submit a solve job and poll it; onProgress sees every status answer.
export async function runJob(body, onProgress, isCancelled = () => false) {
  const job = await api("/jobs", { method: "POST", body });
  let state = job;
  while (state.status === "queued" || state.status === "running") {
    onProgress(state);
    await sleep(400);
    if (isCancelled()) await api(`/jobs/${job.id}`, { method: "DELETE" });
    state = await api(`/jobs/${job.id}`);
  }
  onProgress(state);
  return state;
}

// The JSON API, called with the key the user typed in (kept in sessionStorage for this tab only).
const KEY = "planner.apiKey";

export const getKey = () => sessionStorage.getItem(KEY) || "";
export const setKey = (key) => sessionStorage.setItem(KEY, key);

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && (body.detail || (body.reasons || []).join("; "));
    super(`HTTP ${status}: ${typeof detail === "string" ? detail : JSON.stringify(detail || body)}`);
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

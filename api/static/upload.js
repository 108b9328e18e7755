// Upload a data set from the page: accounts and managers (CSV/TSV/XLSX) and an optional policy.yaml,
// chosen or dropped; the loader's problems (file, row, column, message) are shown in a table.
import { ApiError, getKey } from "./api.js";
import { $, h, table, td, status, guard, fmt } from "./dom.js";
import { t } from "./i18n.js";

const chosen = { accounts: null, managers: null, policy: null };

// Which slot a dropped file fills, from its name (CRM exports in English or Chinese).
function slotOf(file) {
  const n = file.name.toLowerCase();
  if (/\.ya?ml$/.test(n)) return "policy";
  if (/manager|staff|owner|经理|员工|人员/.test(n)) return "managers";
  if (/account|customer|client|客户/.test(n)) return "accounts";
  return null;
}

function show() {
  for (const slot of ["accounts", "managers", "policy"]) {
    $(`#up-${slot}-name`).textContent = chosen[slot] ? t("upload.using", { name: chosen[slot].name }) : t(slot === "policy" ? "upload.no_policy" : "upload.none_yet");
  }
  $("#upload-submit").disabled = !(chosen.accounts && chosen.managers);
}

function take(files) {
  const unknown = [];
  for (const f of files) {
    const slot = slotOf(f);
    if (slot) chosen[slot] = f;
    else if (!chosen.accounts) chosen.accounts = f;
    else if (!chosen.managers) chosen.managers = f;
    else unknown.push(f.name);
  }
  show();
  if (unknown.length) status(t("upload.unused", { files: unknown.join(", ") }), true);
}

function problemsView(err) {
  const problems = (err.body && Array.isArray(err.body.problems)) ? err.body.problems : [];
  return [
    h("p", { class: "flag-overload" }, problems.length ? t("upload.not_loaded", { n: fmt(problems.length) }) : err.message),
    problems.length ? h("div", { class: "scroll tall" }, table(["file", "row", "column", "problem"].map((k) => t(`upload.col.${k}`)),
      problems.map((p) => h("tr", {}, td(p.file), td(p.row ?? "–"), td(p.column || "–"), td(p.message))), { "data-testid": "upload-problems" })) : null,
  ];
}

async function submit(onUploaded) {
  const form = new FormData();
  form.append("name", $("#upload-name").value.trim() || chosen.accounts.name.replace(/\.[^.]+$/, ""));
  form.append("accounts", chosen.accounts);
  form.append("managers", chosen.managers);
  if (chosen.policy) form.append("policy", chosen.policy);
  $("#upload-out").replaceChildren(h("p", { class: "muted" }, t("upload.busy")));
  $("#upload-submit").disabled = true;
  try {
    const response = await fetch("/api/v1/datasets/upload", { method: "POST", headers: { "X-API-Key": getKey() }, body: form });
    const text = await response.text();
    let data = text;
    try { data = JSON.parse(text); } catch { /* not JSON: keep the text */ }
    if (!response.ok) throw new ApiError(response.status, data);
    $("#upload-out").replaceChildren(h("p", { "data-testid": "upload-done" }, t("upload.done", { name: data.name, version: data.latest_version ?? 1 })));
    await onUploaded(data.id);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    $("#upload-out").replaceChildren(...problemsView(e));
    status(e.status === 422 ? t("upload.has_problems") : e.message, true);
  } finally {
    show();
  }
}

// Redrawn when the language changes.
export const showChosen = () => show();

export function wireUpload(onUploaded) {
  const zone = $("#upload-zone");
  for (const slot of ["accounts", "managers", "policy"]) {
    $(`#up-${slot}`).addEventListener("change", (e) => { chosen[slot] = e.target.files[0] || null; show(); });
  }
  $("#up-any").addEventListener("change", (e) => take([...e.target.files]));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); take([...e.dataTransfer.files]); });
  $("#upload-form").addEventListener("submit", (e) => { e.preventDefault(); guard(() => submit(onUploaded)); });
  show();
}

"""Uploads as spreadsheets and API keys from a keys file, in-process against SQLite and, when
reachable, PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest
from api_conftest import (  # noqa: F401
    DEMO,
    READ,
    ROOT,
    WRITE,
    database_url,
    demo_files,
    free_port,
    settings_for,
)
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import digest
from api.settings import Settings


def xlsx_of(csv_path: Path, change: tuple[int, str, object] | None = None) -> bytes:
    """The CSV as a workbook the way a spreadsheet holds it: numbers as numbers, true/false as
    booleans. `change` = (record row, column, value) overwrites one cell (header is row 1)."""
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        records = list(csv.reader(fh))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = csv_path.stem
    for number, record in enumerate(records, start=1):
        row: list[object] = (
            [record[0], *map(_cell, record[1:])] if number > 1 else list(record)
        )  # ids stay text
        if change is not None and change[0] == number:
            row[records[0].index(change[1])] = change[2]
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(text: str) -> object:
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text or None


def _upload(client: TestClient, name: str, files: dict[str, tuple[str, bytes]]) -> dict:
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": name}, files=files)
    assert r.status_code == 201, r.text
    return client.get(f"/api/v1/datasets/{r.json()['id']}/versions/1", headers=READ).json()


def test_xlsx_upload_gives_the_same_data_as_csv(database_url: str) -> None:  # noqa: F811
    with TestClient(create_app(settings_for(database_url))) as client:
        from_csv = _upload(client, "csv", demo_files())
        books = {
            "accounts": ("accounts.xlsx", xlsx_of(DEMO / "accounts.csv")),
            "managers": ("managers.xlsx", xlsx_of(DEMO / "managers.csv")),
            "policy": demo_files()["policy"],
        }
        from_xlsx = _upload(client, "xlsx", books)
        assert (from_xlsx["accounts"], from_xlsx["managers"]) == (300, 12)
        assert from_xlsx["data"] == from_csv["data"]

        # A bad cell is named by workbook, row and column, as in a CSV.
        books["managers"] = ("managers.xlsx", xlsx_of(DEMO / "managers.csv", (3, "capacity_hours", "lots")))
        r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "bad"}, files=books)
        assert r.status_code == 422, r.text
        problem = r.json()["problems"][0]
        assert problem == {**problem, "file": "managers.xlsx", "row": 3, "column": "capacity_hours"}
        assert "lots" in problem["message"]

        # Not a workbook at all.
        books["managers"] = ("managers.xlsx", b"manager_id,capacity_hours\nM1,100\n")
        r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "bad"}, files=books)
        assert r.status_code == 422 and r.json()["problems"][0]["file"] == "managers.xlsx"


def test_keys_from_a_keys_file(database_url: str, tmp_path: Path) -> None:  # noqa: F811
    """PLANNER_API_KEYS_FILE: a plain key and one kept only as its SHA-256 digest, with comments."""
    crm_key = "crm-file-key-5e1f"
    keys = tmp_path / "keys.txt"
    keys.write_text(
        f"# who:key:scope\n\nauditor:auditor-file-key:read\ncrm:sha256={digest(crm_key).upper()}:write\n"
    )
    settings = Settings.from_env({"DATABASE_URL": database_url, "PLANNER_API_KEYS_FILE": str(keys)})
    assert [(k.name, k.scope) for k in settings.api_keys] == [("auditor", "read"), ("crm", "write")]
    auditor, crm = {"X-API-Key": "auditor-file-key"}, {"X-API-Key": crm_key}
    tiny = {
        "name": "tiny",
        "managers": [{"manager_id": "M1", "capacity_hours": 100, "region": "r"}],
        "accounts": [{"account_id": "A1", "region": "r"}],
    }
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/datasets", headers=auditor).status_code == 200
        r = client.post("/api/v1/datasets", headers=auditor, json=tiny)
        assert r.status_code == 403 and "auditor" in r.json()["detail"]
        r = client.post("/api/v1/datasets", headers=crm, json=tiny)
        assert r.status_code == 201 and r.json()["created_by"] == "crm"
        assert client.get("/api/v1/datasets", headers=crm).status_code == 200  # write may read
        for wrong in ("auditor-file-key ", "crm-file-key", digest(crm_key), WRITE["X-API-Key"]):
            r = client.get("/api/v1/datasets", headers={"X-API-Key": wrong})
            assert r.status_code == 401, wrong
            assert r.headers["www-authenticate"] == "API-Key"


def test_a_bad_keys_file_names_the_entry_but_not_the_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("auditor:auditor-file-key:read\ncrm:top-secret-value:admin\n")
    with pytest.raises(ValueError, match=re.escape(f"{keys} entry 2: expected name:key:scope")) as err:
        Settings.from_env({"PLANNER_API_KEYS_FILE": str(keys)})
    assert "top-secret-value" not in str(err.value)


def _serve(env_keys: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'keys.db'}", "PLANNER_API_KEYS": env_keys}
    env.pop("PLANNER_API_KEYS_FILE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "planner", "serve", "--port", str(free_port()), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )


def test_planner_serve_takes_the_readme_key_syntax(tmp_path: Path) -> None:
    """`PLANNER_API_KEYS="name:key:read|write,…"` exactly as the README writes it: a key with both
    scopes may write; a second entry after the comma is read-only."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'PLANNER_API_KEYS="name:key:read\\|write,…"' in readme  # the table escapes the bar
    keys = "crm:crm-readme-key:read|write,auditor:auditor-readme-key:read"
    settings = Settings.from_env({"PLANNER_API_KEYS": keys})
    assert [(k.name, k.scope) for k in settings.api_keys] == [("crm", "write"), ("auditor", "read")]
    proc = _serve(keys, tmp_path)
    port = int(proc.args[proc.args.index("--port") + 1])  # type: ignore[union-attr, index]
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()[1].decode(errors="replace")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/api/v1/datasets"
        tiny = {
            "name": "tiny",
            "managers": [{"manager_id": "M1", "capacity_hours": 100, "region": "r"}],
            "accounts": [{"account_id": "A1", "region": "r"}],
        }
        assert httpx.post(url, json=tiny, headers={"X-API-Key": "crm-readme-key"}).status_code == 201
        assert httpx.get(url, headers={"X-API-Key": "auditor-readme-key"}).status_code == 200
        assert httpx.post(url, json=tiny, headers={"X-API-Key": "auditor-readme-key"}).status_code == 403
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.mark.parametrize(
    ("keys", "entry"),
    [
        (
            "crm:leaky-secret-1:admin",
            "entry 1: expected name:key:scope or name:key:scope:workspace, with scope read, write or "
            "read|write and a workspace of at most 100 letters, digits, '_', '.' or '-' (key named 'crm')",
        ),
        ("ok:k1:read,leaky-secret-1:write", "entry 2: expected name:key:scope"),
        ("ok:k1:read,crm:leaky-secret-1:read|", "entry 2: expected name:key:scope"),
    ],
)
def test_planner_serve_refuses_a_malformed_key_entry(keys: str, entry: str, tmp_path: Path) -> None:
    proc = _serve(keys, tmp_path)
    out, err = proc.communicate(timeout=30)
    text = " ".join((out + err).decode(errors="replace").split())
    assert proc.returncode == 2, text
    assert "Traceback" not in text and "leaky-secret-1" not in text
    assert f"PLANNER_API_KEYS {entry}" in text

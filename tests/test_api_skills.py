"""#18 items 3 and 5 through the API: the skill-gap report of a stored plan (JSON, CSV in Chinese),
and the tier changes POST /compare answers between two data versions."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from api_conftest import READ, WRITE, settings_for, wait_for_job
from fastapi.testclient import TestClient

from api.app import create_app

REVENUE_ONLY = {
    "annual_revenue": 1.0,
    "contract_value": 0.0,
    "years_as_customer": 0.0,
    "strategic_importance": 0.0,
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'planner.db'}"
    with TestClient(create_app(settings_for(url))) as c:
        yield c


def solved(client: TestClient, name: str, managers: list[dict], accounts: list[dict], policy: dict) -> str:
    body = {"name": name, "managers": managers, "accounts": accounts, "policy": policy}
    r = client.post("/api/v1/datasets", headers=WRITE, json=body)
    assert r.status_code == 201, r.text
    job = {"dataset_id": r.json()["id"], "solver": {"time_limit_seconds": 5, "threads": 1, "seed": 0}}
    done = wait_for_job(client, client.post("/api/v1/jobs", headers=WRITE, json=job).json()["id"])
    assert done["status"] == "succeeded", done
    return str(done["plan_id"])


def test_skill_gap_of_a_stored_plan(client: TestClient) -> None:
    # One junior manager who knows energy; two standard accounts (0.5 h a month each): the retail
    # one is served without the industry, so retail is 0.5 h short and energy has no gap.
    managers = [{"manager_id": "M1", "capacity_hours": 100, "industries": ["energy"], "languages": ["zh"]}]
    accounts = [
        {"account_id": "A1", "industry": "energy", "tier": "standard"},
        {"account_id": "A2", "industry": "retail", "tier": "standard", "language": "zh"},
    ]
    plan_id = solved(client, "skills", managers, accounts, {})
    r = client.get(f"/api/v1/plans/{plan_id}/skills", headers=READ)
    assert r.status_code == 200, r.text
    report = r.json()
    assert [(g["industry"], g["hours_without_expertise"], g["hours_short"]) for g in report["groups"]] == [
        ("retail", 0.5, 0.5)
    ]
    assert [a["account_id"] for a in report["accounts"]] == ["A2"]
    export = client.get(f"/api/v1/plans/{plan_id}/skills/export.csv?lang=zh-CN", headers=READ)
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["行业", "区域", "语言"]
    assert rows[1][:3] == ["retail", "", "zh"]
    assert client.get("/api/v1/plans/nope/skills", headers=READ).status_code == 404


def _ladder(revenue_a12: float) -> list[dict[str, Any]]:
    revenue = {f"A{i:02d}": 100_000.0 * i for i in range(20)}
    revenue.update({"A12": revenue_a12, "A13": 1_210_000.0})
    return [{"account_id": a, "annual_revenue": r, "current_manager_id": "M1"} for a, r in revenue.items()]


def test_compare_answers_tier_changes_between_two_data_versions(client: TestClient) -> None:
    # Revenue only: A12 at 1.20 M sits just under A13 (1.21 M, the lowest key account); at +2 %
    # (1.224 M) it passes A13, so the share cut promotes A12 to key and demotes A13.
    managers = [{"manager_id": "M1", "capacity_hours": 170, "seniority": "principal"}]
    policy = {"tiering": REVENUE_ONLY}
    before = solved(client, "v1", managers, _ladder(1_200_000.0), policy)
    after = solved(client, "v2", managers, _ladder(1_224_000.0), policy)
    r = client.post("/api/v1/compare", headers=READ, json={"plan_ids": [before, after]})
    assert r.status_code == 200, r.text
    changes = r.json()["diffs"][0]["tier_changes"]
    assert (changes["promoted"], changes["demoted"]) == (1, 1)
    assert [(c["account_id"], c["from"], c["to"]) for c in changes["changes"]] == [
        ("A12", "standard", "key"),
        ("A13", "key", "standard"),
    ]

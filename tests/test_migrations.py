"""Alembic migrations on SQLite and, when reachable, PostgreSQL (each PostgreSQL test in a schema
of its own, dropped after): a new database migrates to the models' schema; a database of the
schema as released before workspaces — stamped by Alembic, or made by create_all before there
were migrations, with or without the tables later releases added — is filled with one row of
every kind, then the server starts on it: it upgrades the schema, every row is there in workspace
`default`, jobs left running are failed, and it serves and writes as usual."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from api_conftest import scoped_postgres
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, inspect, select, text

from api import migrate
from api.app import RESTART_REASON, create_app
from api.auth import parse_keys
from api.db import Base, make_engine
from api.schemas import EventOut
from api.settings import Settings
from planner.generator import generate

WHEN = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
KEYS = "legacy:legacy-key:read|write,north:north-key:read:north"
LEGACY = {"X-API-Key": "legacy-key"}
NORTH = {"X-API-Key": "north-key"}
WORKSPACE_TABLES = ("datasets", "jobs", "plans", "events", "calendars", "hire_advice")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with scoped_postgres("migration") as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pooled=False)
    try:
        yield engine
    finally:
        engine.dispose()


def _schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)


def test_a_new_database_migrates_to_the_models_schema(engine: Engine) -> None:
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head() == "0007"
    assert _schema_differences(engine) == []
    migrate.upgrade(engine)  # at head: nothing to do
    assert migrate.current(engine) == "0007"


def _released_rows() -> dict[str, list[dict[str, Any]]]:
    """One row of every kind as the released server stored them (no workspace column): a data
    set with its version and current plan, a finished job and one still running, an event, a
    queued calendar and a running hire advice."""
    data = generate(8, 2, seed=1)
    ds, plan, event = "d" * 32, "p" * 32, "e" * 32
    record = {"created_at": WHEN, "started_at": None, "finished_at": None, "created_by": "crm"}
    event_out = EventOut(
        event_id=event,
        dataset_id=ds,
        type="capacity_changed",
        idempotency_key="old-1",
        status="applied",
        actor="crm",
        created_at=WHEN,
        plan_id=plan,
        dataset_version=1,
        notes=["M001: capacity 100 h"],
    )
    return {
        "datasets": [
            {"id": ds, "name": "released", "created_at": WHEN, "created_by": "crm", "current_plan_id": plan}
        ],
        "dataset_versions": [
            {
                "dataset_id": ds,
                "version": 1,
                "payload": data.model_dump(mode="json"),
                "source": "upload",
                "n_accounts": len(data.accounts),
                "n_managers": len(data.managers),
                "created_at": WHEN,
                "created_by": "crm",
            }
        ],
        "jobs": [
            {
                **record,
                "id": job,
                "dataset_id": ds,
                "dataset_version": 1,
                "request": {"name": name},
                "status": status,
                "progress": {},
                "reasons": [],
                "error": None,
                "plan_id": plan if status == "succeeded" else None,
            }
            for job, name, status in (("j" * 32, "done", "succeeded"), ("k" * 32, "cut short", "running"))
        ],
        "plans": [
            {
                "id": plan,
                "dataset_id": ds,
                "dataset_version": 1,
                "name": "first",
                "job_id": "j" * 32,
                "event_id": None,
                "scenario_dataset": None,
                "max_moves": None,
                "assignment": {a.account_id: a.current_manager_id for a in data.accounts},
                "summary": {"solver": {"status": "optimal"}},
                "created_at": WHEN,
                "created_by": "crm",
            }
        ],
        "events": [
            {
                "id": event,
                "dataset_id": ds,
                "idempotency_key": "old-1",
                "type": "capacity_changed",
                "payload": {"type": "capacity_changed", "idempotency_key": "old-1"},
                "actor": "crm",
                "created_at": WHEN,
                "status_code": 200,
                "response": event_out.model_dump(mode="json"),
            }
        ],
        "calendars": [
            {
                **record,
                "id": "c" * 32,
                "plan_id": plan,
                "request": {"start": "2026-06-01", "weeks": 2},
                "status": "queued",
                "error": None,
                "summary": None,
                "visits": None,
            }
        ],
        "hire_advice": [
            {
                **record,
                "id": "a" * 32,
                "dataset_id": ds,
                "dataset_version": 1,
                "request": {},
                "status": "running",
                "error": None,
                "result": None,
            }
        ],
    }


@pytest.mark.parametrize("made_by", ["alembic", "create_all", "create_all, before calendars and advice"])
def test_a_released_database_keeps_its_rows(engine: Engine, database_url: str, made_by: str) -> None:
    migrate.upgrade(engine, "0001")
    rows = _released_rows()
    with engine.begin() as conn:
        if made_by != "alembic":  # create_all made the same tables and no version table
            conn.execute(text("DROP TABLE alembic_version"))
        if made_by.endswith("before calendars and advice"):
            conn.execute(text("DROP TABLE calendars"))
            conn.execute(text("DROP TABLE hire_advice"))
            rows = {t: r for t, r in rows.items() if t not in ("calendars", "hire_advice")}
        tables = MetaData()
        tables.reflect(conn)
        assert "workspace" not in tables.tables["datasets"].c
        for name, table_rows in rows.items():
            conn.execute(tables.tables[name].insert(), table_rows)
    assert migrate.current(engine) == (None if made_by != "alembic" else "0001")

    settings = Settings(
        database_url=database_url,
        api_keys=tuple(parse_keys(KEYS.replace(",", "\n"), "test")),
        event_time_limit_seconds=1,
    )
    with TestClient(create_app(settings)) as client:
        ds, plan = rows["datasets"][0]["id"], rows["plans"][0]["id"]
        listed = client.get("/api/v1/datasets", headers=LEGACY).json()
        assert [(d["id"], d["name"], d["created_by"], d["current_plan_id"]) for d in listed] == [
            (ds, "released", "crm", plan)
        ]
        assert dt.datetime.fromisoformat(listed[0]["created_at"]) == WHEN
        version = client.get(f"/api/v1/datasets/{ds}/versions/1", headers=LEGACY).json()
        assert version["data"] == rows["dataset_versions"][0]["payload"]
        got = client.get(f"/api/v1/plans/{plan}", headers=LEGACY).json()
        assert got["is_current"] and got["summary"] == {"solver": {"status": "optimal"}}
        assigned = client.get(f"/api/v1/plans/{plan}/assignments", headers=LEGACY).json()
        assert {r["account_id"]: r["manager_id"] for r in assigned} == rows["plans"][0]["assignment"]
        jobs = {j["id"]: j for j in client.get("/api/v1/jobs", headers=LEGACY).json()}
        assert jobs["j" * 32]["status"] == "succeeded" and jobs["j" * 32]["plan_id"] == plan
        # Nothing runs them after the restart: the server marks them failed, saying why.
        assert jobs["k" * 32]["status"] == "failed" and jobs["k" * 32]["error"] == RESTART_REASON
        events = client.get(f"/api/v1/datasets/{ds}/events", headers=LEGACY).json()
        assert [e["event_id"] for e in events] == ["e" * 32]
        if "calendars" in rows:
            calendar = client.get(f"/api/v1/plans/{plan}/calendar", headers=LEGACY).json()
            assert calendar["id"] == "c" * 32 and calendar["status"] == "failed"
            advice = client.get(f"/api/v1/advice/{'a' * 32}", headers=LEGACY).json()
            assert advice["status"] == "failed" and advice["error"] == RESTART_REASON
        # Everything is in workspace "default": a key of another workspace sees none of it.
        assert client.get("/api/v1/datasets", headers=NORTH).json() == []
        assert client.get(f"/api/v1/plans/{plan}", headers=NORTH).status_code == 404
        # The migrated database takes new rows: an event, its new version and plan.
        event = {
            "type": "capacity_changed",
            "idempotency_key": "new-1",
            "manager_id": "M001",
            "capacity_hours": 90,
        }
        r = client.post(f"/api/v1/datasets/{ds}/events", headers=LEGACY, json=event)
        assert r.status_code == 200, r.text
        assert (
            client.get(f"/api/v1/datasets/{ds}/current-plan", headers=LEGACY).json()["id"]
            == r.json()["plan_id"]
        )
        # The plan in force before the upgrade opens the adoptions audit, dated when it was made;
        # the event's plan follows it.
        audit = client.get(f"/api/v1/datasets/{ds}/adoptions", headers=LEGACY).json()
        assert [(a["plan_id"], a["how"], a["previous_plan_id"]) for a in audit] == [
            (plan, "before_audit", None),
            (r.json()["plan_id"], "event", plan),
        ]
        assert audit[0]["adopted_by"] == rows["plans"][0]["created_by"]
        assert dt.datetime.fromisoformat(audit[0]["adopted_at"]) == rows["plans"][0]["created_at"]
        assert audit[0]["in_force_until"] == audit[1]["adopted_at"]
        assert audit[1]["in_force_until"] is None

    assert migrate.current(engine) == migrate.head()
    assert _schema_differences(engine) == []
    with engine.connect() as conn:
        tables = MetaData()
        tables.reflect(conn)
        for name in WORKSPACE_TABLES:
            expected = {"default"} if name in rows else set()  # tables the migration created are empty
            assert set(conn.scalars(select(tables.tables[name].c.workspace))) == expected, name


def test_downgrade_to_the_released_schema_and_back(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO datasets (id, name, created_at, created_by, workspace) "
                "VALUES ('x', 'north data', :when, 'crm', 'north')"
            ),
            {"when": WHEN},
        )
    migrate.downgrade(engine, "0001")
    assert migrate.current(engine) == "0001"
    assert all(
        "workspace" not in {c["name"] for c in inspect(engine).get_columns(t)} for t in WORKSPACE_TABLES
    )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        # The released schema had no workspaces: the row comes back in the default one.
        assert conn.execute(text("SELECT name, workspace FROM datasets")).all() == [("north data", "default")]
    assert _schema_differences(engine) == []


def test_the_migrations_ship_inside_the_package(tmp_path: Path) -> None:
    """An installed server migrates from any working directory: no alembic.ini, no scripts beside it."""
    code = (
        "from api.db import make_engine; from api import migrate; "
        "e = make_engine('sqlite:///elsewhere.db'); migrate.upgrade(e); print(migrate.current(e))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [migrate.head()]
    assert migrate.SCRIPTS.parent == Path(migrate.__file__).parent


def test_stored_policies_with_two_frequencies_keep_the_one_their_plans_used(engine: Engine) -> None:
    """0003: a policy stored before one frequency (the old defaults wrote strategic as 2 visits a
    month and every 2 weeks) loads again, with the visits per month its plans were costed at."""
    from sqlalchemy import JSON, column, insert, table

    from planner.models import Dataset, Tier

    migrate.upgrade(engine, "0002")
    payload = generate(30, 4, seed=1).model_dump(mode="json")
    payload["policy"]["tiers"]["strategic"].update(visits_per_month=2, visit_every_weeks=2)
    payload["policy"]["tiers"]["key"]["reduced_levels"] = [
        {"name": "every 2 months", "visits_per_month": 0.5, "visit_every_weeks": 8}
    ]
    versions = table(
        "dataset_versions", *(column(c) for c in ("dataset_id", "version", "source", "n_accounts",
                                                  "n_managers", "created_at", "created_by")),
        column("payload", JSON),
    )  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO datasets (id, name, created_at, created_by, workspace) "
                "VALUES ('d', 'old data', :when, 'crm', 'default')"
            ),
            {"when": WHEN},
        )
        conn.execute(
            insert(versions).values(
                dataset_id="d", version=1, source="upload", n_accounts=30, n_managers=4,
                created_at=WHEN, created_by="crm", payload=payload,
            )
        )  # fmt: skip
    with pytest.raises(ValueError, match="disagree"):
        Dataset.model_validate(payload)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        stored = conn.execute(select(versions.c.payload)).scalar_one()
    tiers = Dataset.model_validate(stored).policy.tiers
    assert (
        tiers[Tier.strategic].visits_per_month == 2
        and tiers[Tier.key].reduced_levels[0].visits_per_month == 0.5
    )

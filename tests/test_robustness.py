"""planner robustness (#21): a re-plan per leaver, ranked; serial and distributed agree."""

from __future__ import annotations

import csv
import os
from itertools import combinations
from pathlib import Path

import pytest
from conftest import RunCli
from dask_local import dask_address  # noqa: F401 (a fixture)
from toys import acc, dataset, mgr

from planner.distributed import Engine
from planner.generator import generate, write_csv
from planner.io.rows_log import read_rows
from planner.robustness import (
    ReplanSettings,
    baseline,
    leaver_sets,
    replan_without,
    risk_rows,
    run_robustness,
)
from planner.robustness.leavers import NO_HOURS, NO_SUCCESSOR, LeaverOutcome, Uncovered, _pair_of_rank

# 120 generated accounts x 6 managers (5 active), the data's current managers as the plan in
# force, 5 voluntary moves: every leaver sends the re-plan to its CP-SAT repair (measured), so
# equal answers mean the deterministic repair repeats in another process, not only construction.
SETTINGS = ReplanSettings(max_moves=5, time_limit_seconds=0.2, deterministic=True)


@pytest.fixture(scope="module")
def base():  # type: ignore[no-untyped-def]
    return baseline(generate(120, 6, seed=3), None, SETTINGS)


def test_two_worker_cluster_gives_the_serial_answers(base, dask_address: str, tmp_path: Path) -> None:  # noqa: F811
    sets = leaver_sets(base.dataset, 1)
    serial = run_robustness(base, sets, Engine(workers=0))
    distributed = run_robustness(base, sets, Engine(cluster=dask_address), out=tmp_path)
    assert serial.complete and distributed.complete
    assert distributed.outcomes == serial.outcomes
    assert [o.leavers for o in serial.outcomes] == sets
    assert all(o.method.endswith("+cpsat") for o in serial.outcomes)  # chains may run first
    assert distributed.setup.workers == 2
    # The rows were computed in the workers and written as they arrived.
    rows = read_rows(tmp_path / "results.jsonl")
    assert sorted(r["key"] for r in rows) == sorted(f"leave-{s[0]}" for s in sets)
    assert all(r["where"] != f"pid {os.getpid()}" for r in rows)
    assert [LeaverOutcome.from_dict(r["outcome"]) for r in sorted(rows, key=lambda r: r["key"])] == sorted(
        serial.outcomes, key=lambda o: o.leavers
    )


def test_pairs_sample_is_seeded_and_drawn_from_every_pair() -> None:
    ids = [f"M{k}" for k in range(6)]
    assert [_pair_of_rank(r, 6, ids) for r in range(15)] == list(combinations(ids, 2))
    ds = dataset([mgr(i) for i in ids], [acc("A1")])
    first = leaver_sets(ds, 2, sample=5, seed=1)
    assert first == leaver_sets(ds, 2, sample=5, seed=1)
    assert len(set(first)) == 5 and set(first) <= set(combinations(ids, 2))
    assert leaver_sets(ds, 2) == list(combinations(ids, 2))
    with pytest.raises(ValueError, match="must be 1 or 2"):
        leaver_sets(ds, 3)


def test_the_only_japanese_speaker_leaving_leaves_their_account_with_no_successor() -> None:
    # A1 asks for Japanese; only Li Na speaks it, so nobody may take it over. A2 asks for no
    # language and Wang Wei has the hours for it: it moves (a forced move). A3 (Korean) is held
    # by Wang Wei, who does not speak Korean: a re-plan uncovers it whoever leaves, so it is
    # nobody's risk.
    ds = dataset(
        [
            mgr("M1", name="Li Na", seniority="principal", languages=frozenset({"ja", "zh"}), region="east"),
            mgr("M2", name="Wang Wei", seniority="principal", languages=frozenset({"zh"}), region="east"),
        ],
        [
            acc("A1", tier="strategic", language="ja", region="east", current_manager_id="M1"),
            acc("A2", region="east", current_manager_id="M1"),
            acc("A3", language="ko", region="east", current_manager_id="M2"),
        ],
        allow_unassigned=True,
    )
    base = baseline(ds, None, SETTINGS)
    assert base.uncovered_anyway == frozenset({"A3"})
    out = replan_without(base, ("M1",))
    assert out.uncovered_ids == ("A1",) and out.uncovered == 1 and out.accounts_held == 2
    assert out.groups == (Uncovered(NO_SUCCESSOR, "strategic", "east", 1, out.value_uncovered),)
    words = risk_rows([out])[0]["risk"]
    assert words.startswith("If Li Na leaves, 1 strategic account in east has no eligible successor")
    # Wang Wei leaving: A3 was his, but no one could keep it anyway.
    assert replan_without(base, ("M2",)).uncovered == 0


def test_risk_rows_rank_by_value_uncovered_then_moves_and_say_it_in_words() -> None:
    def outcome(who: str, groups: tuple[Uncovered, ...], moves: int) -> LeaverOutcome:
        value = sum(g.value for g in groups)
        n = sum(g.accounts for g in groups)
        return LeaverOutcome(
            (who,), (f"Name {who}",), ("east",), 20, 500.0, n, value, groups, (), moves, 0, 0.9, 0.7, 0,
            "uncovered" if groups else "feasible", "construct",
        )  # fmt: skip

    calm = outcome("M1", (), 20)
    busy = outcome("M2", (), 25)
    risky = outcome("M3", (Uncovered(NO_SUCCESSOR, "strategic", "east", 14, 900.0),), 6)
    short = outcome("M4", (Uncovered(NO_HOURS, "key", "north", 2, 120.0),), 18)
    rows = risk_rows([calm, busy, risky, short])
    assert [r["leavers"] for r in rows] == ["M3", "M4", "M2", "M1"]
    assert rows[0]["risk"].startswith(
        "If Name M3 leaves, 14 strategic accounts in east have no eligible successor"
    )
    assert "2 key accounts in north find no successor with the hours free" in rows[1]["risk"]
    assert rows[3]["risk"].startswith(
        "If Name M1 leaves, all 20 of their accounts find a successor with 20 moves"
    )


def test_cli_writes_the_risk_table_bench_and_charts(tmp_path: Path, run_cli: RunCli) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_csv(generate(60, 4, seed=2), data)  # what `planner generate` writes, without a process
    out = tmp_path / "risk"
    done = run_cli("robustness", data, "--out", out, "--serial", "--deterministic", "--time-limit", 0.1)
    assert done.returncode == 0, done.stderr
    with (out / "risk.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["rank"] for r in rows] == ["1", "2", "3"]  # the generator's 4th manager is a leaver already
    assert all(r["risk"].startswith("If ") for r in rows)
    with (out / "bench.csv").open(encoding="utf-8") as fh:
        bench = list(csv.DictReader(fh))
    assert sum(int(b["managers"]) for b in bench) >= 3
    for name in ("risk.png", "risk.svg", "bench.png", "bench.svg", "summary.json", "results.jsonl"):
        assert (out / name).stat().st_size > 0, name


def test_an_interrupted_run_keeps_the_rows_that_finished(base, tmp_path: Path) -> None:
    sets = leaver_sets(base.dataset, 1)

    def ctrl_c_after_two(done: object, finished: int, total: int) -> None:
        if finished == 2:
            raise KeyboardInterrupt

    run = run_robustness(base, sets, Engine(workers=0), out=tmp_path, on_done=ctrl_c_after_two)
    assert run.interrupted and not run.complete
    assert [o.leavers for o in run.outcomes] == sets[:2]
    assert [r["key"] for r in read_rows(tmp_path / "results.jsonl")] == [f"leave-{s[0]}" for s in sets[:2]]

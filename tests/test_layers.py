"""The import graph of `planner` points one way (STYLE.md, "Packages hang below their users").

Built from the source, not from what happens to be imported: every module under planner/ is
parsed and every `import` / `from ... import` in it counts, also one inside a function or under
`if TYPE_CHECKING:` (a deferred import is still a dependency; deferring it only hides a cycle).
A name imported from a package counts as its submodule when it is one (`from planner.cli import
bench` is an edge to planner.cli.bench), else as the package itself.

Asserted:
(a) no cycle between modules, and none between the top-level parts of `planner` (its
    subpackages and its top-level modules, e.g. planner.io, planner.context, planner.scenario);
(b) planner.models, the domain model, imports nothing from planner outside planner.models;
(c) no engine package (planner.solvers, planner.gap, planner.pvrp, planner.calendar) imports the
    command line (planner.cli), the benchmark runners (planner.bench) or the web API (api);
    only planner.cli imports planner.bench;
(d) nothing in planner imports from benchmarks/ or api, except `planner serve`
    (planner.cli.serve), which starts the API server.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "planner"

# Allowed exceptions to (a) and (d), each with its reason; keep this short.
ALLOWED_CYCLES: list[set[str]] = []  # none
API_IMPORTERS = {"planner.cli.serve"}  # `planner serve` runs the HTTP API: the CLI is above api

ENGINES = ("planner.solvers", "planner.gap", "planner.pvrp", "planner.calendar")
ABOVE_ENGINES = ("planner.cli", "planner.bench", "api")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _under(name: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@cache
def import_graph() -> dict[str, set[str]]:
    """module -> the modules it imports (planner.*, api.* and benchmarks.* only)."""
    files = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    ours = ("planner", "api", "benchmarks")
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                for alias in node.names:
                    sub = f"{module}.{alias.name}"
                    targets.add(sub if sub in files else module)
        graph[name] = {_owner(t, files) for t in targets if _under(t, ours)} - {name}
    return graph


def _owner(target: str, files: dict[str, Path]) -> str:
    """The module a dotted import names: itself, or the closest enclosing module we have."""
    if not _under(target, "planner"):
        return target
    name = target
    while name not in files and "." in name:
        name = name.rpartition(".")[0]
    return name


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _top_level(name: str) -> str:
    """planner.io.loader -> planner.io; planner.context -> planner.context; planner -> planner."""
    return ".".join(name.split(".")[:2])


def _edges(pred) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in import_graph().items() for b in targets if pred(a, b))


def test_the_graph_sees_every_kind_of_import():
    graph = import_graph()
    assert len(graph) > 100
    # Inside a function (planner serve starts the API lazily) and relative to the package.
    assert {"api.app", "api.settings"} <= graph["planner.cli.serve"]
    # `from planner.cli import advise, ...` inside a function names the submodules.
    assert "planner.cli.bench" in graph["planner.cli.app"]


def test_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"a", "e"}}
    assert _cycles(graph) == [{"a", "b", "c"}]


def test_no_cycle_between_modules():
    cycles = [c for c in _cycles(import_graph()) if c not in ALLOWED_CYCLES]
    assert cycles == [], f"import cycles between modules: {[sorted(c) for c in cycles]}"


def test_no_cycle_between_the_parts_of_planner():
    graph: dict[str, set[str]] = {}
    for a, targets in import_graph().items():
        graph.setdefault(_top_level(a), set()).update(
            _top_level(b) for b in targets if _under(b, "planner") and _top_level(b) != _top_level(a)
        )
    cycles = [c for c in _cycles(graph) if c not in ALLOWED_CYCLES]
    assert cycles == [], f"import cycles between packages/modules of planner: {[sorted(c) for c in cycles]}"


def test_models_import_only_models():
    bad = _edges(lambda a, b: _under(a, "planner.models") and not _under(b, "planner.models"))
    assert bad == [], f"planner.models must stand alone: {bad}"


def test_engines_do_not_import_cli_bench_or_api():
    bad = _edges(lambda a, b: _under(a, ENGINES) and _under(b, ABOVE_ENGINES))
    assert bad == [], f"an engine imports from above it: {bad}"


def test_only_the_cli_imports_the_benchmark_runners():
    bad = _edges(lambda a, b: _under(b, "planner.bench") and not _under(a, ("planner.cli", "planner.bench")))
    assert bad == [], f"planner.bench is for the command line only: {bad}"


def test_planner_imports_neither_benchmarks_nor_api():
    bad = _edges(lambda a, b: _under(b, ("benchmarks", "api")) and a not in API_IMPORTERS)
    assert bad == [], f"planner imports from benchmarks/ or api: {bad}"

#!/usr/bin/env bash
# Does the planner still work with every dependency at the minimum pyproject.toml declares?
# Builds a throwaway venv where each `name>=X` of [project].dependencies is pinned to `name==X.*`
# (the declared release line: `ortools==9.15` alone would look for a 9.15.0 that was never
# published), installs the project with those constraints, then imports everything and runs a
# tiny generate → assign → check → calendar (CN holidays, .ics). Too slow for CI (a full
# install, several minutes); run it by hand after changing a minimum:
#     bash scripts/check_minimums.sh [VENV_DIR]     # default /tmp/planner-minimums
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${1:-/tmp/planner-minimums}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$PYTHON" - >"$WORK/constraints.txt" <<'EOF'
import re, tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
for dep in deps:
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9.]+)", dep.strip())
    if not m:
        raise SystemExit(f"cannot read a minimum from {dep!r}")
    print(f"{m.group(1)}=={m.group(3)}.*")
EOF
echo "constraints:"; sed 's/^/  /' "$WORK/constraints.txt"
"$VENV/bin/python" -m pip install --quiet -c "$WORK/constraints.txt" .
echo "installed:"
"$VENV/bin/python" -m pip list --format=freeze | grep -i -f <(sed 's/==.*//' "$WORK/constraints.txt") | sed 's/^/  /'

cd "$WORK"
"$VENV/bin/python" - <<'EOF'
import api.app, planner.cli, planner.solvers, planner.calendar.ics  # every layer imports
import ortools, holidays, icalendar
print("imports ok: ortools", ortools.__version__, "holidays", holidays.__version__, "icalendar", icalendar.__version__)
EOF
P="$VENV/bin/planner"
"$P" generate --accounts 120 --managers 8 --seed 1 --out data
"$P" assign --accounts data/accounts.csv --managers data/managers.csv --out plan --time-limit 5 --quiet
"$P" check --plan plan
"$P" calendar --plan plan --start 2026-02-09 --weeks 2 --country CN --time-limit 5 --out cal --quiet
ls cal/*.ics >/dev/null
"$P" assign --accounts data/accounts.csv --managers data/managers.csv --out plan2 --time-limit 1 --deterministic --quiet
echo "minimums OK"

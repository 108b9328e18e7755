"""Read a scenario YAML file into a `ScenarioSpec`; every problem names the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from planner.errors import InputError, InputProblem
from planner.scenario.spec import ScenarioSpec


def load_scenario(path: Path) -> ScenarioSpec:
    path = Path(path)
    if not path.is_file():
        raise InputError([InputProblem(str(path), None, None, "scenario file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(path.name, None, None, f"not valid YAML ({exc})")]) from None
    if not isinstance(data, dict):
        raise InputError([InputProblem(path.name, None, None, "must be a mapping with name, data, changes")])
    return parse_scenario(data, path.name)


def parse_scenario(data: dict[str, Any], source: str) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [InputProblem(source, None, field_path(e["loc"]), _message(e)) for e in exc.errors()]
        ) from None


def field_path(loc: tuple[Any, ...]) -> str | None:
    """('changes', 2, 'set_capacity', 'hours') -> 'changes[2].hours'.

    The discriminated union puts the change kind into the location; the user wrote
    no such key, so it is left out of the path they are pointed at.
    """
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i == 2 and loc[0] == "changes":
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or None


def _message(error: Any) -> str:
    msg = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see scenarios/scenario.example.yaml for every field)"
    return msg

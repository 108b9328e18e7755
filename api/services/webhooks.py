"""The workspace webhook: when a plan is adopted (by PUT current-plan, or by a staff-change event
that re-planned), POST what changed to the workspace's URL.

The body is JSON: the data set, the plan adopted and the one before, and every account whose
manager changed (from, to); with account teams, also every team slot (account, role) whose person
changed (`team_slots`: from, to; null = unfilled), so that a CRM keeping account teams hears of a
technical-support change as it hears of a manager's. It is signed so the CRM can trust it came from here: header
`X-Planner-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>`, plus
`X-Planner-Delivery` (unique per delivery, the same on its retries) and `X-Planner-Event`.
A delivery that fails (no answer, or not 2xx) is retried with backoff (`RETRY_DELAYS`) in a
background thread, so the request that adopted the plan never waits for the receiver. Deliveries
are in memory: a server that stops drops those still pending (the adoption itself is stored).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from api.db import WebhookRow, new_id, now
from api.store import Store

log = logging.getLogger(__name__)

RETRY_DELAYS = (1.0, 4.0, 15.0, 60.0)  # seconds before the 2nd, 3rd, ... attempt
TIMEOUT_SECONDS = 10.0


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


Team = Mapping[str, Mapping[str, Sequence[str | None]]]  # account_id -> role -> person per slot


def team_slot_changes(before: Team | None, after: Team | None) -> list[dict[str, Any]]:
    """Every (account, role) whose people differ between two plans' teams: one entry per person
    who goes, paired with one who comes (null: the slot is left unfilled, or was). Compared as
    sets, not slot by slot: two support engineers trading slot numbers on one account change nothing."""
    before, after = before or {}, after or {}
    out = []
    for account_id in sorted(set(before) | set(after)):
        had, has = before.get(account_id, {}), after.get(account_id, {})
        for role in sorted(set(had) | set(has)):
            old = [p for p in had.get(role, []) if p is not None]
            new = [p for p in has.get(role, []) if p is not None]
            gone = [p for p in old if p not in new]
            came = [p for p in new if p not in old]
            for k in range(max(len(gone), len(came))):
                out.append(
                    {
                        "account_id": account_id,
                        "role": role,
                        "from_manager_id": gone[k] if k < len(gone) else None,
                        "to_manager_id": came[k] if k < len(came) else None,
                    }
                )
    return out


class WebhookService:
    def __init__(self, store: Store, retry_delays: tuple[float, ...] = RETRY_DELAYS):
        self._store = store
        self._delays = retry_delays

    def set(self, workspace: str, url: str, secret: str, actor: str) -> WebhookRow:
        with self._store.session() as s:
            row = s.get(WebhookRow, workspace)
            if row is None:
                row = WebhookRow(workspace=workspace, url=url, secret=secret, created_by=actor)
                s.add(row)
            else:
                row.url, row.secret, row.created_by, row.created_at = url, secret, actor, now()
            s.flush()
            return row

    def get(self, workspace: str) -> WebhookRow:
        with self._store.session() as s:
            row = s.get(WebhookRow, workspace)
        if row is None:
            raise LookupError("this workspace has no webhook")
        return row

    def delete(self, workspace: str) -> None:
        with self._store.session() as s:
            row = s.get(WebhookRow, workspace)
            if row is None:
                raise LookupError("this workspace has no webhook")
            s.delete(row)

    def plan_adopted(
        self,
        workspace: str,
        dataset_id: str,
        plan_id: str,
        previous: tuple[str | None, dict[str, Any]] | None,
        assignment: dict[str, Any],
        event_id: str | None = None,
        team: tuple[Team | None, Team | None] | None = None,
    ) -> threading.Thread | None:
        """Post the adoption of `plan_id` (its assignment against `previous`'s: (plan id, or None
        for the data's own current managers, assignment)) if the workspace has a webhook; the
        delivery thread, or None. `team`: (the team before, the adopted plan's), when either plan
        has account teams."""
        with self._store.session() as s:
            hook = s.get(WebhookRow, workspace)
        if hook is None:
            return None
        before = previous[1] if previous else {}
        moved = [
            {"account_id": a, "from_manager_id": before.get(a), "to_manager_id": assignment.get(a)}
            for a in sorted(set(before) | set(assignment))
            if before.get(a) != assignment.get(a)
        ]
        body = {
            "type": "plan_adopted",
            "dataset_id": dataset_id,
            "plan_id": plan_id,
            "previous_plan_id": previous[0] if previous else None,
            "event_id": event_id,
            "adopted_at": now().isoformat(),
            "moved_count": len(moved),
            "moved": moved,
        }
        if team is not None and (team[0] or team[1]):  # a plan without teams: the body as before
            slots = team_slot_changes(*team)
            body["team_slots_count"] = len(slots)
            body["team_slots"] = slots
        data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
        thread = threading.Thread(
            target=self._deliver, args=(hook.url, hook.secret, data, new_id()), daemon=True, name="webhook"
        )
        thread.start()
        return thread

    def _deliver(self, url: str, secret: str, data: bytes, delivery: str) -> bool:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "key-account-planner",
            "X-Planner-Event": "plan_adopted",
            "X-Planner-Delivery": delivery,
            "X-Planner-Signature": signature(secret, data),
        }
        for attempt, delay in enumerate((0.0, *self._delays), start=1):
            time.sleep(delay)
            try:
                request = urllib.request.Request(url, data=data, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                    if 200 <= answer.status < 300:
                        return True
                    reason = f"HTTP {answer.status}"
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                reason = str(exc)
            log.warning("webhook delivery %s to %s failed (attempt %d): %s", delivery, url, attempt, reason)
        log.error("webhook delivery %s to %s gave up after %d attempts", delivery, url, len(self._delays) + 1)
        return False

"""Calendar feeds: a manager's visits at a secret URL that a calendar app subscribes to.

Outlook, Google Calendar and Apple Calendar poll a subscribed URL and cannot send an API key, so
the URL itself is the credential: a random token (256 bits) that only the person given the URL
knows, revocable on its own without touching any API key. A feed belongs to a data set and a
manager, not to a plan: it serves the visits of the plan in force (the data set's current plan,
its latest calendar that succeeded), so a subscription follows every re-plan and adoption.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from api.db import CalendarFeedRow, now
from api.services.calendars import CalendarService
from api.store import Store, found
from planner.errors import InputError, InputProblem


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class FeedService:
    def __init__(self, store: Store, calendars: CalendarService):
        self._store = store
        self._calendars = calendars

    def create(
        self, dataset_id: str, manager_id: str, actor: str, workspace: str
    ) -> tuple[CalendarFeedRow, str]:
        """A new feed and its token (shown once: only its digest is stored)."""
        dataset = found(self._store.dataset(dataset_id, workspace=workspace), f"data set {dataset_id!r}")
        latest = self._store.version(dataset_id, None)
        assert latest is not None  # a data set is made with its first version
        if manager_id not in {m["manager_id"] for m in latest.payload["managers"]}:
            raise InputError(
                [
                    InputProblem(
                        "request",
                        None,
                        "manager_id",
                        f"unknown manager_id {manager_id!r} in data set {dataset_id!r}",
                    )
                ]
            )
        token = secrets.token_urlsafe(32)
        with self._store.session() as s:
            row = CalendarFeedRow(
                dataset_id=dataset_id,
                manager_id=manager_id,
                token_sha256=token_digest(token),
                created_by=actor,
                workspace=dataset.workspace,
            )
            s.add(row)
            s.flush()
        return row, token

    def feeds(self, dataset_id: str, workspace: str) -> list[CalendarFeedRow]:
        found(self._store.dataset(dataset_id, workspace=workspace), f"data set {dataset_id!r}")
        with self._store.session() as s:
            q = select(CalendarFeedRow).where(CalendarFeedRow.dataset_id == dataset_id)
            return list(s.scalars(q.order_by(CalendarFeedRow.created_at, CalendarFeedRow.id)))

    def revoke(self, dataset_id: str, feed_id: str, workspace: str) -> CalendarFeedRow:
        """Revoke a feed (again: no change); its URL answers 404 from now on."""
        found(self._store.dataset(dataset_id, workspace=workspace), f"data set {dataset_id!r}")
        with self._store.session() as s:
            row = s.get(CalendarFeedRow, feed_id)
            if row is None or row.dataset_id != dataset_id:
                raise LookupError(f"calendar feed {feed_id!r} not found")
            if row.revoked_at is None:
                row.revoked_at = now()
            s.flush()
            return row

    def ics(self, token: str) -> tuple[str, bytes]:
        """(Content-Disposition, .ics) of the feed's manager in the plan in force. An unknown and a
        revoked token get the same answer, so the URL tells nothing about other tokens."""
        with self._store.session() as s:
            q = select(CalendarFeedRow).where(
                CalendarFeedRow.token_sha256 == token_digest(token), CalendarFeedRow.revoked_at.is_(None)
            )
            row = s.scalar(q)
        if row is None:
            raise LookupError("calendar feed not found (unknown or revoked)")
        dataset = self._store.dataset(row.dataset_id, workspace=row.workspace)
        if dataset is None or dataset.current_plan_id is None:
            raise LookupError("the data set has no plan in force yet")
        return self._calendars.ics(dataset.current_plan_id, row.manager_id, row.workspace)

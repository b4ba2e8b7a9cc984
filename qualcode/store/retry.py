"""Retrying a unit of work that met another writer.

Several coders write at once. On SQLite a writer waits for the lock under the busy timeout;
on PostgreSQL two transactions can collide (a serialization failure, a deadlock, or the
same coding inserted twice at the same moment). Each of these leaves nothing stored, so the
whole unit of work can simply run again: with exponential backoff and jitter, within a
bounded time, after which the user gets one clear sentence instead of a driver's message.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

BOUND_SECONDS = float(os.environ.get("QUALCODE_RETRY_SECONDS", "60"))
CONFLICT_ATTEMPTS = 4  # a unique-key collision is retried a few times, not for the full bound
LOCKED = ("database is locked", "database is busy", "database table is locked")
RETRY_STATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available
CONFLICT_STATES = {"23505"}  # unique violation: someone inserted the same row just now


def transient(exc: BaseException) -> str | None:
    """``"busy"``, ``"conflict"`` or None: whether running the work again may succeed."""
    from sqlalchemy.exc import DBAPIError, IntegrityError

    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    state = getattr(orig, "sqlstate", None)
    if state in RETRY_STATES:
        return "busy"
    if state in CONFLICT_STATES:
        return "conflict"
    message = str(orig).lower()
    if any(text in message for text in LOCKED):
        return "busy"
    if isinstance(exc, IntegrityError) and "unique constraint failed" in message:
        return "conflict"
    return None


class StillBusy(Exception):
    """The database stayed busy for the whole bound; nothing was stored."""

    def __init__(self, seconds: float, cause: BaseException) -> None:
        super().__init__(
            f"the project stayed busy with other writers for {seconds:.0f} s; nothing from "
            "this command was stored, try again"
        )
        self.cause = cause


def retrying(
    work: Callable[[], T],
    bound: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work`` until it succeeds or fails for a reason other than another writer."""
    bound = BOUND_SECONDS if bound is None else bound
    start = time.monotonic()
    attempt = conflicts = 0
    while True:
        try:
            return work()
        except Exception as exc:
            kind = transient(exc)
            if kind is None:
                raise
            conflicts += kind == "conflict"
            waited = time.monotonic() - start
            if waited >= bound or conflicts >= CONFLICT_ATTEMPTS:
                if kind == "conflict":
                    raise
                raise StillBusy(waited, exc) from exc
            delay = min(1.0, 0.02 * 2 ** min(attempt, 6)) * (0.5 + random.random())
            sleep(min(delay, max(0.0, bound - waited)))
            attempt += 1

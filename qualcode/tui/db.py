"""Database work for the TUI: one worker thread runs jobs in order, each a short unit of work.

A job is a plain function of a Session; its result (plain data) is handed to a callback on
the UI thread. Errors a user can meet (a locked database, a vanished code) become a message
for a notification, never a crash. Jobs run in the order they were submitted, so an undo
always follows the change it undoes.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.worker import get_current_worker

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qualcode.store.project import Project


RETRY_SECONDS = 20.0  # a key press should not wait longer than this for other writers


@dataclass(eq=False)  # a job is its own key while it holds the keys
class _Job:
    run: Callable[[Session], Any]
    done: Callable[[Any], None] | None
    failed: Callable[[str], None] | None
    write: bool
    hold: bool = False


def on_screen(screen: Any) -> bool:
    """The screen is still in the app's stack: a result loaded for a screen that was closed
    meanwhile (Esc pressed during a reload) is dropped, not drawn into removed widgets."""
    try:
        return bool(screen.is_attached and screen in screen.app.screen_stack)
    except Exception:  # no app any more
        return False


def describe_error(exc: BaseException) -> str:
    from qualcode.store.retry import StillBusy

    if isinstance(exc, QualcodeError):
        return exc.message
    if isinstance(exc, StillBusy):
        return str(exc).replace("this command", "this change")
    from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

    if isinstance(exc, IntegrityError):
        return (
            "another coder changed the same thing just now; your change was not saved — try again"
        )
    if isinstance(exc, (OperationalError, DBAPIError)):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return f"database: {reason}; your change was not saved — try again"
    return f"unexpected error ({type(exc).__name__}: {exc}); your change was not saved"


class DbRunner:
    """``source`` is an open Project, or the ``--db`` location to open in the worker thread
    (so the first frame is painted before SQLAlchemy is even imported)."""

    def __init__(self, app: App[Any], source: Project | str, actor: str = "") -> None:
        self.app = app
        self.actor = actor
        self._source = source
        self._project: Project | None = None if isinstance(source, str) else source
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._started = False

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished yet."""
        return self._pending

    def _count(self, delta: int) -> None:
        with self._lock:
            self._pending += delta

    def start(self) -> None:
        if not self._started:
            self._started = True
            self.app.run_worker(self._loop, thread=True, name="database", group="database")

    def submit(
        self,
        run: Callable[[Session], Any],
        done: Callable[[Any], None] | None = None,
        failed: Callable[[str], None] | None = None,
        write: bool = True,
        hold: bool = False,
    ) -> None:
        """Run ``run`` on the database thread, then ``done`` (or ``failed``) on the UI thread.

        ``hold``: keys wait until the callback has run, because what they act on is what
        this job loads (a reloaded tree, the next disagreement, another transcript).
        """
        self.start()
        self._count(1)
        job = _Job(run, done, failed, write, hold)
        if hold:
            from qualcode.tui.key_gate import hold_keys

            hold_keys(self.app, job)
        self._jobs.put(job)

    def _loop(self) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled:
            try:
                job = self._jobs.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                self._run(job)
            finally:
                self._count(-1)

    @property
    def project(self) -> Project:
        """The open project (opened on first use, in the worker thread)."""
        if self._project is None:
            from qualcode.store.project import open_project

            assert isinstance(self._source, str)
            self._project = open_project(self._source)
            self._project.actor = self.actor
            for note in self._project.notes:
                self._call(lambda m: self.app.notify(m, timeout=10), note)
        return self._project

    def close(self) -> None:
        """Close a project this runner opened itself."""
        if self._project is not None and isinstance(self._source, str):
            self._project.close()

    def _once(self, job: _Job) -> Any:
        if job.write:
            with self.project.transaction() as session:
                session.info["actor"] = self.actor or session.info.get("actor", "")
                return job.run(session)
        with self.project.session() as session:
            return job.run(session)

    def _run(self, job: _Job) -> None:
        try:
            self._run_job(job)
        finally:
            if job.hold:
                from qualcode.tui.key_gate import release_keys

                self._call(lambda j: release_keys(self.app, j), job)

    def _run_job(self, job: _Job) -> None:
        from qualcode.store.retry import retrying

        try:
            # another coder's write in the way: the job stored nothing and runs again
            result = retrying(lambda: self._once(job), bound=RETRY_SECONDS)
        except Exception as exc:  # every failure becomes a notification
            message = describe_error(exc)
            if job.failed is not None:
                self._call(job.failed, message)
            else:
                self._call(lambda m: self.app.notify(m, severity="error", timeout=8), message)
            return
        if job.done is not None:
            self._call(job.done, result)

    def _call(self, callback: Callable[[Any], None], value: Any) -> None:
        def guarded(result: Any) -> None:
            # a failure while showing a result must not end the database thread (every
            # later change would be lost): it becomes a notification
            try:
                callback(result)
            except Exception as exc:
                self.app.log.error("database callback failed", exc)
                self.app.notify(
                    f"could not show a result ({type(exc).__name__}: {exc}); "
                    "your changes are stored",
                    severity="error",
                    timeout=8,
                )

        with contextlib.suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(guarded, value)

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every submitted job has run (for tests and clean exits)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.pending and loop.time() < deadline:
            await asyncio.sleep(0.005)

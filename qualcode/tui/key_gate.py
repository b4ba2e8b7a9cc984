"""Keys in the order they were pressed, each acting on the state it was pressed in.

Textual handles a key in several hops: priority bindings run at once in the app, while every
other key is posted to the focused widget, bubbles up through its parents' queues and comes
back to the app for the non-priority bindings. When keys arrive in a burst (over SSH several
come in one packet) a later key can overtake an earlier one: a move bound with priority ran
before the apply that was typed first, letters typed after ``/`` were taken as code
shortcuts before the search opened, Enter in a dialog moved focus after the next characters
had already gone to the first field.

The gate makes each key wait until everything the previous key set off has run:

* the previous key's journey is over: a marker posted behind it to the same widget bubbles
  up behind it and arrives at the app after it;
* every message queue of the app and of the screen on top is drained (a screen being pushed
  is composed and focused, a dialog's ``Submitted`` has been handled, a focus change made);
* no screen holds the keys (``hold``/``release``): the coding screen holds them while a
  transcript opens, so ``] j c`` codes the new transcript's second segment.

Each wait is bounded, so a lost marker or a stuck screen never swallows keys.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

KeyInput = events.Key | events.Paste

MARKER_WAIT = 1.0  # seconds: a key whose marker never came back is taken as done
QUIET_WAIT = 0.5  # seconds: queues that never drain (an endless animation) stop waiting
HOLD_WAIT = 20.0  # seconds: a screen's hold (a load from the database) is bounded too


class KeySettled(Message):
    """Posted behind a forwarded key; arriving at the app, it says the key is done."""

    def __init__(self, serial: int) -> None:
        super().__init__()
        self.serial = serial


def _busy(pump: MessagePump, own: int = 0) -> bool:
    """Messages waiting or in progress (``own``: the one the caller is handling itself)."""
    queue: Any = pump._message_queue
    unfinished = getattr(queue, "_unfinished_tasks", queue.qsize())
    return unfinished > own or bool(pump._next_callbacks)


class KeyGate:
    """Owned by the app: ``take`` every key and paste the terminal sends."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.backlog: deque[KeyInput] = deque()
        self.released: KeyInput | None = None  # the key posted back to the app to handle
        self._serial = 0
        self._waiting: int | None = None  # the serial of the marker not back yet
        self._waiting_since = 0.0
        self._holds: dict[object, float] = {}  # holder -> when it started holding
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self.handled = 0  # keys dispatched so far (for tests and benchmarks)
        self._noisy_since: float | None = None  # since when the queues have not drained

    # ---- holding --------------------------------------------------------------------------

    def hold(self, holder: object) -> None:
        """Keys wait until ``release(holder)`` (or HOLD_WAIT): state they act on is loading."""
        self._holds[holder] = self._now()

    def release(self, holder: object) -> None:
        if self._holds.pop(holder, None) is not None:
            self._wake.set()

    @property
    def idle(self) -> bool:
        """No key waiting or in flight."""
        return not self.backlog and self.released is None and self._waiting is None

    # ---- the app's side -------------------------------------------------------------------

    def take(self, event: KeyInput) -> bool:
        """Called for every key the app receives; False: handle it now, in order."""
        if event is self.released:
            self.released = None
            return False
        if not self.backlog and self.released is None and self._ready(own=1):
            return False  # nothing before it: it goes now
        self.backlog.append(event)
        self._start()
        return True

    def dispatched(self, event: KeyInput, target: MessagePump | None) -> None:
        """The app handled ``event``; ``target`` is the widget it was forwarded to, if any."""
        self.handled += 1
        if target is None:
            return
        self._serial += 1
        self._waiting = self._serial
        self._waiting_since = self._now()
        target.post_message(KeySettled(self._serial))

    def settled(self, message: KeySettled) -> None:
        if message.serial == self._waiting:
            self._waiting = None
            self._wake.set()

    # ---- the pump -------------------------------------------------------------------------

    def _start(self) -> None:
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.backlog:
            await self._until_ready()
            if not self.backlog:
                break
            event = self.backlog.popleft()
            self.released = event
            self.app.post_message(event)
            # the app takes it from its queue before anything else is released
            while self.released is event and self.app.is_running:
                await asyncio.sleep(0)

    async def _until_ready(self) -> None:
        spins = 0
        while not self._ready():
            self._wake.clear()
            if self._waiting is not None or self._holds:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.05)
            else:
                await asyncio.sleep(0 if spins < 20 else 0.001)
            spins += 1
            if not self.app.is_running:
                return

    def _ready(self, own: int = 0) -> bool:
        now = self._now()
        if self._waiting is not None:
            if now - self._waiting_since < MARKER_WAIT:
                return False
            self._waiting = None
        for holder, since in list(self._holds.items()):
            if now - since < HOLD_WAIT:
                return False
            del self._holds[holder]
        return self._quiet(own)

    def _quiet(self, own: int) -> bool:
        app = self.app
        if _busy(app, own):
            return self._quiet_timeout()
        for screen in app.screen_stack:
            for node in screen.walk_children(with_self=True):
                if _busy(node):
                    return self._quiet_timeout()
        self._noisy_since = None
        return True

    def _quiet_timeout(self) -> bool:
        now = self._now()
        if self._noisy_since is None:
            self._noisy_since = now
            return False
        if now - self._noisy_since >= QUIET_WAIT:
            self._noisy_since = None
            return True
        return False

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()


def hold_keys(app: App[Any], holder: object) -> None:
    """Keys wait until ``release_keys(app, holder)``: the state they act on is loading."""
    gate = getattr(app, "keys", None)
    if isinstance(gate, KeyGate):
        gate.hold(holder)


def release_keys(app: App[Any], holder: object) -> None:
    gate = getattr(app, "keys", None)
    if isinstance(gate, KeyGate):
        gate.release(holder)

"""The one exception type for problems a user can cause and fix.

The CLI prints ``error: <message>`` to stderr and exits with status 2; the TUI shows the
message in a notification. Messages name the file (and line or field) and say what to do.
"""

from __future__ import annotations


class QualcodeError(Exception):
    """A user-facing error: bad input, an unknown name, a refused action."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

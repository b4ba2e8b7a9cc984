"""Where a project lives, worked out without importing SQLAlchemy (so start-up stays fast)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import QualcodeError


@dataclass(frozen=True)
class Location:
    """Where a project lives: a SQLAlchemy URL, and the file path for SQLite."""

    url: str
    path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        # Never print a password.
        head, sep, tail = self.url.partition("@")
        if sep and "://" in head and ":" in head.split("://", 1)[1]:
            scheme, cred = head.split("://", 1)
            return f"{scheme}://{cred.split(':', 1)[0]}:***@{tail}"
        return self.url


def locate(db: str) -> Location:
    """Turn ``--db`` (a path or a URL) into a Location."""
    if not db:
        raise QualcodeError("--db: empty project location; give a file path or a postgresql:// URL")
    for prefix in ("postgresql://", "postgres://"):
        if db.startswith(prefix):
            return Location("postgresql+psycopg://" + db[len(prefix) :], None)
    if db.startswith("postgresql+"):
        return Location(db, None)
    if db.startswith("sqlite:///"):
        return Location(db, Path(db[len("sqlite:///") :]).resolve())
    if "://" in db:
        raise QualcodeError(
            f"--db {db}: unsupported database; use a file path (SQLite) or a postgresql:// URL"
        )
    path = Path(db).expanduser().resolve()
    return Location(f"sqlite:///{path}", path)


def missing_project(path: Path) -> QualcodeError:
    return QualcodeError(
        f"{path}: no project here; create one with 'qualcode init' "
        "or point --db (or QUALCODE_DB) at an existing project"
    )


def unreadable_file(location: Location, exc: BaseException) -> QualcodeError:
    """A ``--db`` that is not a SQLite database, or a damaged one (any file a user names)."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    if "not a database" in first or "file is encrypted" in first:
        return QualcodeError(
            f"{location.display()}: not a qualcode project (not a SQLite database file); "
            "point --db at a project created by 'qualcode init'"
        )
    return QualcodeError(
        f"{location.display()}: the project file is damaged ({first}); restore it from a "
        "backup ('qualcode backup' makes one), or try 'sqlite3 FILE .recover'"
    )

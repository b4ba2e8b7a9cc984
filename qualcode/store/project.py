"""Opening and creating a project: one engine, short sessions, one transaction per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from qualcode.errors import QualcodeError
from qualcode.store.engine import Location, create_private_file, locate, make_engine
from qualcode.store.location import missing_project, unreadable_file
from qualcode.store.migrate import create_schema, ensure_current


@dataclass
class Project:
    location: Location
    engine: Engine
    notes: list[str] = field(default_factory=list)
    actor: str = ""  # who is acting: recorded by the audit log and checked for roles

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(qualcode_write=True)
        self._writers = sessionmaker(writer, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back entirely on any error."""
        with self._writers() as session, session.begin():
            session.info["actor"] = self.actor
            yield session

    def acting_person(self, requested: str, explicit: bool) -> str:
        """Who acts: ``requested`` on SQLite; on PostgreSQL the coder of the database login
        (``--as`` naming anyone else is refused), see ``services.db_roles.acting_person``."""
        if self.engine.dialect.name != "postgresql":
            return requested
        from qualcode.services.db_roles import acting_person

        try:
            with self.engine.connect() as conn:
                return acting_person(conn, requested, explicit)
        except OperationalError as exc:
            raise _unreachable(self.location, exc) from exc

    def close(self) -> None:
        self.engine.dispose()


def _unreachable(location: Location, exc: Exception) -> QualcodeError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return QualcodeError(f"{location.display()}: cannot open the project database ({reason})")


def open_project(db: str) -> Project:
    """Open an existing project, upgrading an older schema (after a backup of a SQLite file)."""
    location = locate(db)
    if location.path is not None and not location.path.exists():
        raise missing_project(location.path)
    engine = make_engine(location)
    try:
        note = ensure_current(engine, location)
    except OperationalError as exc:
        engine.dispose()
        raise _unreachable(location, exc) from exc
    except DatabaseError as exc:  # not a database at all, or a damaged one
        engine.dispose()
        raise unreadable_file(location, exc) from exc
    except QualcodeError:
        engine.dispose()
        raise
    project = Project(location, engine)
    if note:
        project.notes.append(note)
    return project


def create_project(db: str) -> Project:
    """Create the schema of a new project; refuses where a project (or any file) exists."""
    location = locate(db)
    created_file = False
    if location.path is not None:
        if location.path.exists():
            raise QualcodeError(
                f"{location.path}: a file already exists there; open it, or choose another --db"
            )
        create_private_file(location.path)
        created_file = True
    engine = make_engine(location)
    try:
        create_schema(engine)
    except BaseException as exc:
        engine.dispose()
        if created_file and location.path is not None:
            for suffix in ("", "-wal", "-shm"):
                location.path.with_name(location.path.name + suffix).unlink(missing_ok=True)
        if isinstance(exc, OperationalError):
            raise _unreachable(location, exc) from exc
        raise
    return Project(location, engine)

"""Creating a project and registering its lead."""

from __future__ import annotations

import getpass
import os

from qualcode import __version__
from qualcode.store.models import Coder, ProjectInfo, utcnow
from qualcode.store.project import Project, create_project


def requested_user() -> tuple[str, str]:
    """The name a command is asked to act as without ``--as``, and where it comes from:
    ``QUALCODE_AS`` or ``QUALCODE_USER`` (explicit), else the OS user."""
    for variable in ("QUALCODE_AS", "QUALCODE_USER"):
        if os.environ.get(variable):
            return os.environ[variable], variable
    return os_user(), "the OS user"


def os_user() -> str:
    """The OS user's name (the default coder name)."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (e.g. a bare container)
        return "coder"


def init_project(db: str, lead: str) -> Project:
    project = create_project(db)
    with project.transaction() as session:
        session.add(Coder(name=lead, role="lead"))
        session.add_all(
            [
                ProjectInfo(key="created_at", value=utcnow().isoformat(timespec="seconds")),
                ProjectInfo(key="created_by", value=lead),
                ProjectInfo(key="qualcode_version", value=__version__),
            ]
        )
    return project

"""Creating a project and registering its lead."""

from __future__ import annotations

import getpass
import os

from qualcode import __version__
from qualcode.store.models import Coder, ProjectInfo, utcnow
from qualcode.store.project import Project, create_project


def os_user() -> str:
    """The name a command acts as unless ``--as`` says otherwise."""
    for variable in ("QUALCODE_USER",):
        if os.environ.get(variable):
            return os.environ[variable]
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

"""What every command shares: where the project is and who is acting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from qualcode.store.project import Project


@dataclass
class Context:
    """``requested``: the name given by ``--as``/``QUALCODE_AS``/``QUALCODE_USER`` (``source``)
    or else the OS user. ``actor`` is who acts: on PostgreSQL the coder of the database login
    (``services.db_roles.acting_person``), so reading it opens the project there."""

    db: str
    requested: str
    source: str = "--as"  # where ``requested`` comes from: --as, QUALCODE_AS, …, the OS user
    _project: Project | None = field(default=None, repr=False)
    _actor: str | None = field(default=None, repr=False)

    @property
    def explicit(self) -> bool:
        """A name was given (``--as``, ``QUALCODE_AS``, ``QUALCODE_USER``), not the OS user's."""
        return self.source != "the OS user"

    @property
    def actor(self) -> str:
        if self._actor is None:
            from qualcode.store.location import locate

            if locate(self.db).path is not None:
                return self.requested  # SQLite: the name as given
            self.project()
        return self._actor or self.requested

    def project(self) -> Project:
        if self._project is None:
            from qualcode.store.project import open_project

            project = open_project(self.db)
            try:
                actor = project.acting_person(self.requested, self.explicit)
            except BaseException:
                project.close()
                raise
            self._project, self._actor, project.actor = project, actor, actor
            for note in self._project.notes:
                click.echo(f"note: {note}", err=True)
        return self._project

    def adopt(self, project: Project) -> None:
        """A project this command created (``init``): its creator acts as given."""
        self._project = project
        self._actor = project.actor = self.requested

    def close(self) -> None:
        if self._project is not None:
            self._project.close()


pass_context = click.make_pass_decorator(Context)

FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)

SPACY_MODEL_OPTION = click.option(
    "--spacy-model",
    default="auto",
    show_default=True,
    help="'blank' (rule-based sentencizer), an installed pipeline such as "
    "en_core_web_sm, or 'auto' (a trained pipeline when installed).",
)

"""What every command shares: where the project is and who is acting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from qualcode.store.project import Project


@dataclass
class Context:
    db: str
    actor: str
    _project: Project | None = field(default=None, repr=False)

    def project(self) -> Project:
        if self._project is None:
            from qualcode.store.project import open_project

            self._project = open_project(self.db)
            self._project.actor = self.actor
            for note in self._project.notes:
                click.echo(f"note: {note}", err=True)
        return self._project

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

"""``qualcode init`` and ``qualcode status``."""

from __future__ import annotations

import click

from qualcode.cli.context import Context, pass_context


def show_status(context: Context) -> None:
    from qualcode.export.output import render_table
    from qualcode.services.overview import summary

    project = context.project()
    with project.session() as session:
        rows = summary(session)
    render_table(["", ""], rows, title=f"qualcode project {project.location.display()}")


@click.command()
@click.option(
    "--lead", default=None, help="The lead researcher's name (default: --as or the OS user)."
)
@pass_context
def init(context: Context, lead: str | None) -> None:
    """Create a new project and register its lead."""
    from qualcode.services.project import init_project

    lead = lead or context.actor
    project = init_project(context.db, lead)
    context._project = project
    click.echo(f"created project {project.location.display()} with lead {lead}")


@click.command()
@pass_context
def status(context: Context) -> None:
    """Show the project summary: transcripts, codebook, coders, progress."""
    show_status(context)


COMMANDS = [init, status]

"""``qualcode init`` and ``qualcode status``."""

from __future__ import annotations

import click

from qualcode.cli.context import Context, pass_context
from qualcode.errors import QualcodeError


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

    lead = lead or context.requested
    project = init_project(context.db, lead)
    context.adopt(project)
    click.echo(f"created project {project.location.display()} with lead {lead}")


@click.command()
@pass_context
def status(context: Context) -> None:
    """Show the project summary: transcripts, codebook, coders, progress."""
    show_status(context)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@click.group()
def project() -> None:
    """Whole-project operations: merge a coder's offline copy, copy to another database."""


@project.command("merge")
@click.argument("other")
@click.option("--dry-run", is_flag=True, help="Report what would come in; store nothing.")
@click.option(
    "--owner", default=None,
    help="The coder whose copy it is (default: the one coder with new codings in it).",
)  # fmt: skip
@click.option(
    "--accept-other-coders", is_flag=True,
    help="Also take new codings by coders other than the copy's owner.",
)  # fmt: skip
@pass_context
def project_merge(
    context: Context, other: str, dry_run: bool, owner: str | None, accept_other_coders: bool
) -> None:
    """Bring in OTHER, a copy of this project coded offline (a file path or a URL).

    Transcripts match by content, codes and codings by GUID; new codes arrive as
    proposals. Nothing here is overwritten, and merging the same copy twice changes nothing.
    A copy is one coder's (its owner: --owner, else the one coder with new codings in it);
    new codings by anyone else refuse the merge unless --accept-other-coders. New codings
    of the reserved coder 'consensus' are left out and reported.
    """
    from qualcode.services.project_merge import merge_copy
    from qualcode.services.project_read import read_copy
    from qualcode.store.location import locate
    from qualcode.store.project import open_project

    here = context.project()
    if locate(other).url == here.location.url:
        raise QualcodeError(f"{other}: that is this project; give the path of the copy")
    copy_project = open_project(other)
    try:
        with copy_project.session() as copy_session:
            copy = read_copy(copy_session)
    finally:
        copy_project.close()
    try:
        with here.transaction() as session:
            report = merge_copy(session, copy, context.actor, owner, accept_other_coders)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    if dry_run:
        click.echo("dry run: nothing was stored; a merge would bring in:")
    else:
        click.echo(f"merged {copy_project.location.display()}:")
    for line in report.lines():
        click.echo(f"  {line}")


@project.command("copy")
@click.option("--to", "to", required=True, help="A new SQLite file path or postgresql:// URL.")
@pass_context
def project_copy(context: Context, to: str) -> None:
    """Copy the whole project, losslessly, to a new SQLite file or an empty PostgreSQL
    database (how a team moves a project onto a server, or takes it off one)."""
    from qualcode.services.project_copy import copy_project

    report = copy_project(context.project(), to)
    click.echo(f"copied {report.total} rows in {len(report.rows)} tables to {report.target}")


COMMANDS = [init, status, project]

"""``qualcode coders add|list``, ``check``, ``backup FILE`` and ``db upgrade``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.cli.context import FORMAT_OPTION, Context, pass_context


@click.group()
def coders() -> None:
    """The project's coders and their roles (lead or coder)."""


@coders.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["lead", "coder"]), default="coder", show_default=True)
@pass_context
def coders_add(context: Context, name: str, role: str) -> None:
    """Register a coder (the lead's command); for an existing coder, change the role."""
    from qualcode.services.coders import add_coder

    with context.project().transaction() as session:
        message = add_coder(session, context.actor, name, role)
    click.echo(message)


@coders.command("list")
@FORMAT_OPTION
@pass_context
def coders_list(context: Context, fmt: str) -> None:
    """Every coder with role, codings and finished transcripts."""
    from qualcode.export.output import emit
    from qualcode.services.coders import CODER_COLUMNS, coder_rows

    with context.project().session() as session:
        rows = coder_rows(session)
    emit(CODER_COLUMNS, rows, fmt)


@click.command()
@pass_context
def check(context: Context) -> None:
    """Check the project's integrity and report in plain words (exit 1 on problems).

    Code shortcuts that cannot work (a command's key, or shared by codes) are warnings: they
    are listed, and do not change the exit status.
    """
    from qualcode.services.maintenance import check_project

    report = check_project(context.project())
    for line in report.checked:
        click.echo(f"checked: {line}")
    for line in report.warnings:
        click.echo(f"warning: {line}")
    if report.ok:
        warned = f"; {len(report.warnings)} warning(s) above" if report.warnings else ""
        click.echo(f"no problems found{warned}")
        return
    for line in report.problems:
        click.echo(f"problem: {line}")
    click.echo(
        f"{len(report.problems)} problem(s) found; keep a backup ('qualcode backup FILE') "
        "before changing anything, and report them",
        err=True,
    )
    sys.exit(1)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
def backup(context: Context, file: Path) -> None:
    """Write a consistent copy of the project to FILE (a new SQLite file), even while others
    are writing."""
    from qualcode.services.maintenance import backup as make_backup

    click.echo(make_backup(context.project(), file))


@click.group()
def db() -> None:
    """The project database's schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(context: Context) -> None:
    """Upgrade the project's schema to this version of qualcode (after a backup copy)."""
    from qualcode.store.migrate import HEAD_REVISION

    project = context.project()  # opening upgrades an older schema and notes it
    if not project.notes:
        click.echo(f"the schema is current ({HEAD_REVISION})")


@db.command("grant")
@click.option("--login", is_flag=True, help="Let each coder's database role log in.")
@pass_context
def db_grant(context: Context, login: bool) -> None:
    """PostgreSQL: a database login per coder and row-level security, so blind coding and the
    roles hold even for a coder with SQL access (the lead's command, connected as the tables'
    owner; run again after adding coders)."""
    from qualcode.services.db_roles import grant
    from qualcode.services.lookup import require_lead

    with context.project().transaction() as session:
        require_lead(session, context.actor, "db grant")
        report = grant(session, login)
    click.echo(
        f"roles: {', '.join(report.roles)} (leads: {', '.join(report.leads) or 'none'}); "
        "codings, memos and progress are now visible to their own coder and to leads only"
    )
    if report.held_back:
        click.echo(
            f"held back: {', '.join(report.held_back)} — their rows said lead, but an older "
            "grant let coders change roles; they are coders now. To make one a lead: "
            "'qualcode coders add NAME --role lead', then 'qualcode db grant' again"
        )


@click.command("log")
@click.option("--actor", default=None, help="Only what this person did.")
@click.option("--since", default=None, help="Only from this date (YYYY-MM-DD) on.")
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many.")
@FORMAT_OPTION
@pass_context
def log(context: Context, actor: str | None, since: str | None, limit: int, fmt: str) -> None:
    """Who changed what, newest first: codings, imports, merges, consensus, the codebook."""
    from datetime import UTC, datetime

    from qualcode.errors import QualcodeError
    from qualcode.export.output import emit
    from qualcode.services.audit import LOG_COLUMNS, log_rows

    start = None
    if since:
        try:
            start = datetime.fromisoformat(since).replace(tzinfo=UTC)
        except ValueError:
            raise QualcodeError(f"--since {since}: give a date as YYYY-MM-DD") from None
    with context.project().session() as session:
        rows = log_rows(session, actor, start, limit)
    emit(LOG_COLUMNS, rows, fmt)


COMMANDS = [coders, check, backup, db, log]

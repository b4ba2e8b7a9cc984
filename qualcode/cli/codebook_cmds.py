"""``qualcode codebook …``: import, export and list the codebook."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.context import FORMAT_OPTION, Context, pass_context


@click.group()
def codebook() -> None:
    """The codebook: themes and codes with their definitions."""


@codebook.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
def codebook_import(context: Context, file: Path) -> None:
    """Import a YAML codebook (codes already in the project are kept as they are).

    A new code's shortcut that a command key of the coding screen or another code already
    uses is left out, and reported.
    """
    from qualcode.services.codebook import import_codebook
    from qualcode.services.codebook_file import read_codebook

    book = read_codebook(file)
    with context.project().transaction() as session:
        report = import_codebook(session, book, context.actor)
    dropped = report.shortcuts_dropped
    summary = f"{file}: {len(report.added)} code(s) added, {len(report.unchanged)} already there"
    if dropped:
        summary += f", {len(dropped)} shortcut(s) not stored"
    click.echo(summary)
    for conflict in report.conflicts:
        click.echo(f"conflict (kept the project's version): {conflict}", err=True)
    for line in dropped:
        click.echo(f"shortcut not stored: {line}", err=True)
    if dropped:
        click.echo(
            "The codes were added without those keys; give them others with "
            "`qualcode codebook edit CODE --shortcut KEY`.",
            err=True,
        )


@codebook.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "csv", "md"]), default="yaml", show_default=True
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
@pass_context
def codebook_export(context: Context, fmt: str, out: Path | None) -> None:
    """Export the codebook as YAML (re-importable), CSV or Markdown (for a paper appendix)."""
    from qualcode.export.output import emit, write_private
    from qualcode.services.codebook import LIST_COLUMNS, codebook_rows, export_markdown, export_yaml

    with context.project().session() as session:
        if fmt == "csv":
            emit(LIST_COLUMNS, codebook_rows(session, include_inactive=False), "csv", out)
            return
        content = export_yaml(session) if fmt == "yaml" else export_markdown(session)
    if out is None:
        click.echo(content, nl=False)
    else:
        write_private(out, content)
        click.echo(f"wrote {out}", err=True)


@codebook.command("list")
@FORMAT_OPTION
@pass_context
def codebook_list(context: Context, fmt: str) -> None:
    """List codes with their path, status, shortcut and number of codings."""
    from qualcode.export.output import emit
    from qualcode.services.codebook import LIST_COLUMNS, codebook_rows

    with context.project().session() as session:
        rows = codebook_rows(session)
    if fmt == "table":
        header = ("code", "status", "key", "codings", "description")
        table = [
            ("  " * row[1].count("/") + row[0], row[2], row[4], row[5], _short(row[6]))
            for row in rows
        ]
        emit(header, table, "table")
    else:
        emit(LIST_COLUMNS, rows, fmt)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


COMMANDS = [codebook]

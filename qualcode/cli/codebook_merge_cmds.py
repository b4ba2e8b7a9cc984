"""``qualcode codebook merge-file``: merge another codebook (YAML or REFI-QDA .qdc) into ours."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.codebook_cmds import codebook
from qualcode.cli.context import FORMAT_OPTION, Context, pass_context

RESOLVE_HINT = (
    "Nothing was overwritten. Resolve a conflict with `qualcode codebook edit CODE "
    "--description …` (or --include/--exclude/--example/--color/--shortcut), "
    "`codebook rename` or `codebook move`; run merge-file again to check."
)


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it rolls back."""


@codebook.command("merge-file")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; store nothing.")
@FORMAT_OPTION
@pass_context
def codebook_merge_file(context: Context, file: Path, dry_run: bool, fmt: str) -> None:
    """Merge another codebook (.yaml or REFI-QDA .qdc) into this one (the lead's command).

    Codes are matched by GUID, then by path. Empty definitions are filled and new codes added;
    different definitions, names or parents are listed as conflicts, never overwritten.
    With --format csv|json the conflicts go to standard output and the summary to stderr.
    """
    from qualcode.export.output import emit
    from qualcode.services.codebook_merge import (
        CONFLICT_COLUMNS,
        MergeReport,
        merge_codebook,
        read_codebook_file,
    )

    book = read_codebook_file(file)
    report: MergeReport | None = None
    try:
        with context.project().transaction() as session:
            report = merge_codebook(session, book, context.actor, str(file))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert report is not None
    table = fmt == "table"

    def say(line: str) -> None:
        click.echo(line, err=not table)

    prefix = "dry run, nothing stored: " if dry_run else ""
    say(f"{prefix}{file}: {report.summary()}")
    for path in report.added:
        say(f"added: {path}")
    for merged, target in report.followed:
        say(f"matched through an earlier merge: {merged} → {target}")
    for path, fields in report.filled:
        say(f"filled: {path} ({', '.join(fields)})")
    rows = [conflict.row() for conflict in report.conflicts]
    if table:
        if rows:
            emit(CONFLICT_COLUMNS, rows, "table", title="conflicts (kept the project's version)")
    else:
        emit(CONFLICT_COLUMNS, rows, fmt)
    if rows:
        say(RESOLVE_HINT)

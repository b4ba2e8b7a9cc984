"""``qualcode import`` and ``qualcode participants``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.cli.context import FORMAT_OPTION, SPACY_MODEL_OPTION, Context, pass_context

if TYPE_CHECKING:
    from qualcode.services.importing import ImportReport

PROGRESS_MIN_FILES = 4


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--unit",
    type=click.Choice(["sentence", "turn", "paragraph"]),
    default="sentence",
    show_default=True,
    help="What a segment is. Segments never cross speaker turns.",
)
@click.option(
    "--participant",
    default=None,
    help="Participant of these transcripts (default: the file name without extension).",
)
@click.option(
    "--text-column",
    "text_columns",
    multiple=True,
    help="Survey CSV: a column with answers (repeatable; default: all but the id column).",
)
@click.option(
    "--id-column", default=None, help="Survey CSV: the respondent id column (default: row numbers)."
)
@click.option(
    "--replace",
    is_flag=True,
    help="Replace transcripts whose text changed; codings move with the unchanged text.",
)
@SPACY_MODEL_OPTION
@pass_context
def import_(
    context: Context,
    paths: tuple[Path, ...],
    unit: str,
    participant: str | None,
    text_columns: tuple[str, ...],
    id_column: str | None,
    replace: bool,
    spacy_model: str,
) -> None:
    """Import transcripts (.txt .md .docx .vtt .srt) and survey answers (.csv), files or folders."""
    from qualcode.services.importing import (
        ImportOptions,
        collect_files,
        import_files,
        make_segmenter,
    )

    options = ImportOptions(
        unit=unit,
        participant=participant,
        text_columns=text_columns or None,
        id_column=id_column,
        replace=replace,
        spacy_model=spacy_model,
    )
    project = context.project()
    files, skipped = collect_files(list(paths))
    for note in skipped:
        click.echo(f"note: {note}", err=True)
    segmenter = make_segmenter(options, files)
    try:
        report = import_files(
            project,
            files,
            options,
            segmenter,
            warn=lambda message: click.echo(f"warning: {message}", err=True),
            track=_progress_bar,
        )
    finally:
        close = getattr(segmenter, "close", None)
        if close is not None:
            close()
    _report(report, unit)


@contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on standard error when there are more than a few files."""
    if total < PROGRESS_MIN_FILES:
        yield lambda _name: None
        return
    from rich.markup import escape
    from rich.progress import Progress

    from qualcode.export.output import terminal

    with Progress(transient=True, console=terminal(stderr=True)) as bar:
        task = bar.add_task("segmenting", total=total)
        yield lambda name: bar.update(task, advance=1, description=escape(name))


def _report(report: ImportReport, unit: str) -> None:
    for name in report.unchanged:
        click.echo(f"{name}: already imported with the same text; nothing to do")
    for name, segments, words in report.imported:
        verb = "replaced" if name in report.replaced else "imported"
        click.echo(f"{name}: {verb}, {segments} segments, {words} words")
    if report.replaced:
        click.echo(f"codings kept on replaced transcripts: {report.codings_kept}")
        for dropped in report.codings_dropped:
            click.echo(f"warning: coding removed (its text changed): {dropped}", err=True)
    if report.imported:
        total_words = sum(w for _n, _s, w in report.imported)
        click.echo(
            f"imported {len(report.imported)} transcript(s), {total_words:,} words "
            f"(segmented by {unit} with {report.segmenter})"
        )


@click.group()
def participants() -> None:
    """Participants and their attributes."""


@participants.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
def participants_import(context: Context, file: Path) -> None:
    """Read attributes from a CSV: first column the participant id, other columns attributes."""
    from qualcode.services.participants import import_attributes

    with context.project().transaction() as session:
        result = import_attributes(session, file)
    click.echo(
        f"{result.participants} participant(s) ({result.created} new), "
        f"attributes: {', '.join(result.attributes)}"
    )


@participants.command("list")
@FORMAT_OPTION
@pass_context
def participants_list(context: Context, fmt: str) -> None:
    """List participants with their transcripts and attributes."""
    from qualcode.export.output import emit
    from qualcode.services.participants import participant_rows

    with context.project().session() as session:
        header, rows = participant_rows(session)
    emit(header, rows, fmt)


COMMANDS = [import_, participants]

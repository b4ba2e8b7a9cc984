"""``qualcode import`` and ``qualcode participants``."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.context import FORMAT_OPTION, Context, pass_context

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
@click.option(
    "--spacy-model",
    default="auto",
    show_default=True,
    help="'blank' (rule-based sentencizer), an installed pipeline such as "
    "en_core_web_sm, or 'auto' (a trained pipeline when installed).",
)
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
        plan_import,
        read_sources,
        segment_sources,
        store_segmented,
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
    sources, warnings = read_sources(files, options)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    with project.session() as session:
        todo, unchanged = plan_import(session, sources, options)
    if len(todo) >= PROGRESS_MIN_FILES:
        from rich.progress import Progress

        with Progress(transient=True, console=_stderr()) as bar:
            task = bar.add_task("segmenting", total=len(todo))
            segmented = segment_sources(
                todo, options, lambda s: bar.update(task, advance=1, description=s.name)
            )
    else:
        segmented = segment_sources(todo, options)
    with project.transaction() as session:
        report = store_segmented(session, segmented, options)
    report.unchanged = unchanged
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


def _stderr():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)


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

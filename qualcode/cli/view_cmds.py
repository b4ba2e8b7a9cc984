"""``qualcode transcripts`` and ``qualcode segments``."""

from __future__ import annotations

import click

from qualcode.cli.context import FORMAT_OPTION, Context, pass_context


@click.command()
@FORMAT_OPTION
@pass_context
def transcripts(context: Context, fmt: str) -> None:
    """List transcripts: name, participant, segments, words, codings, who is done."""
    from qualcode.export.output import emit
    from qualcode.services.overview import TRANSCRIPT_COLUMNS, transcript_rows

    with context.project().session() as session:
        rows = transcript_rows(session)
    emit(TRANSCRIPT_COLUMNS, rows, fmt)


@click.command()
@click.argument("transcript")
@click.option("--coder", default=None, help="Add a column with the codes this coder applied.")
@FORMAT_OPTION
@pass_context
def segments(context: Context, transcript: str, coder: str | None, fmt: str) -> None:
    """List a transcript's segments: ordinal, speaker, start, end, text (and a coder's codes)."""
    from qualcode.export.output import emit
    from qualcode.services.overview import SEGMENT_COLUMNS, segment_rows

    with context.project().session() as session:
        rows = segment_rows(session, transcript, coder)
    emit((*SEGMENT_COLUMNS, "codes") if coder else SEGMENT_COLUMNS, rows, fmt)


COMMANDS = [transcripts, segments]

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
@FORMAT_OPTION
@pass_context
def segments(context: Context, transcript: str, fmt: str) -> None:
    """List a transcript's segments: ordinal, speaker, start, end, text."""
    from qualcode.export.output import emit
    from qualcode.services.overview import SEGMENT_COLUMNS, segment_rows

    with context.project().session() as session:
        rows = segment_rows(session, transcript)
    emit(SEGMENT_COLUMNS, rows, fmt)


COMMANDS = [transcripts, segments]

"""``qualcode apply``, ``unapply``, ``done`` and ``codings import|export``."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.context import Context, pass_context


def _segment_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--code", required=True, help="Code name or path Theme/Code.")(f)
    f = click.option("--segment", type=int, required=True, help="1-based segment number.")(f)
    f = click.option("--transcript", required=True, help="Transcript name.")(f)
    f = click.option("--coder", required=True, help="Coder name (created as a coder if new).")(f)
    return f


@click.command()
@_segment_options
@click.option("--memo", default="", help="A memo on this coding.")
@pass_context
def apply(
    context: Context, coder: str, transcript: str, segment: int, code: str, memo: str
) -> None:
    """Apply a code to a segment (again: no change)."""
    from qualcode.services.coding import apply_code

    with context.project().transaction() as session:
        result = apply_code(session, coder, transcript, segment, code, memo)
    state = "applied" if result.created else "already applied"
    click.echo(
        f"{state}: {result.code} on {result.transcript} segment {result.segment} by {result.coder}"
    )


@click.command()
@_segment_options
@pass_context
def unapply(context: Context, coder: str, transcript: str, segment: int, code: str) -> None:
    """Remove a coder's code from a segment."""
    from qualcode.services.coding import unapply_code

    with context.project().transaction() as session:
        removed = unapply_code(session, coder, transcript, segment, code)
    if removed:
        click.echo(f"removed {removed} coding(s) of {code} from {transcript} segment {segment}")
    else:
        click.echo(
            f"{coder} had not applied {code} to {transcript} segment {segment}; nothing to do"
        )


@click.command()
@click.option("--coder", required=True, help="Coder name.")
@click.argument("transcripts", nargs=-1, required=True)
@pass_context
def done(context: Context, coder: str, transcripts: tuple[str, ...]) -> None:
    """Mark transcripts done for a coder (they then count for agreement)."""
    from qualcode.services.coding import mark_done

    with context.project().transaction() as session:
        names = mark_done(session, coder, list(transcripts))
    click.echo(f"marked done for {coder}: {', '.join(names)}")


@click.group()
def codings() -> None:
    """Codings in bulk: import from and export to CSV or JSON."""


@codings.command("import")
@click.option(
    "--done", "mark_done", is_flag=True, help="Mark each coder×transcript pair in the file as done."
)
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
def codings_import(context: Context, mark_done: bool, file: Path) -> None:
    """Import codings from a CSV with columns coder,transcript,segment,code (optional memo)."""
    from qualcode.services.coding import import_codings

    with context.project().transaction() as session:
        result = import_codings(session, file, mark_done)
    click.echo(
        f"{file}: {result.added} coding(s) added, {result.already_there} already there; "
        f"coders: {', '.join(result.coders) or 'none'}"
        + (f"; {result.done_pairs} transcript(s) marked done" if mark_done else "")
    )


@codings.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
@pass_context
def codings_export(context: Context, fmt: str, out: Path | None) -> None:
    """Export every coding: coder,transcript,segment,code,start,end,text,memo,created_at.

    Blind coding: a coder who is not the lead exports only their own codings.
    """
    from qualcode.export.output import emit
    from qualcode.services.coding import EXPORT_COLUMNS, export_codings
    from qualcode.services.lookup import get_coder

    with context.project().session() as session:
        actor = get_coder(session, context.actor)
        lead = actor is not None and actor.role == "lead"
        rows = export_codings(session, None if lead else context.actor)
    emit(EXPORT_COLUMNS, rows, fmt, out)
    if out is not None:
        click.echo(f"wrote {len(rows)} coding(s) to {out}", err=True)


COMMANDS = [apply, unapply, done, codings]

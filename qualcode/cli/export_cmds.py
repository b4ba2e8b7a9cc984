"""``qualcode export …``: theme frequencies and other research exports (csv, xlsx, md, tex)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from qualcode.cli.context import Context, pass_context

if TYPE_CHECKING:
    from qualcode.services.themes import Selection, ThemeTable

F = TypeVar("F", bound=Callable[..., Any])

WHO_HELP = """
Whose codings count: without --coders or --consensus, the `consensus` coder when consensus
exists (and no --rule is given), otherwise every coder but `consensus` under --rule (default
any). A coder's codings count in the transcripts they marked done; a coder who marked none
done counts in every transcript they coded. --rule any: the transcripts at least one chosen
coder finished, a segment counted when any of them applied the code; all: the transcripts
every chosen coder finished, a segment counted when every one of them applied it; majority:
the transcripts more than half of the chosen coders finished, a segment counted when more
than half of the coders who finished that transcript applied it. The consensus counts on
the transcripts with a consensus decision or consensus codings.

Counting: a span coding counts for every segment it overlaps; a code merged into another
counts as that other code; a theme (or a code with sub-codes) counts the segments of any
code under it and distinct participants, never a sum. Every active code is a row (zero
counts included); retired and proposed codes only where they carry counted codings.

Output: the format follows the extension of --out (.csv .xlsx .md .tex) or --format;
without either, a table is printed. CSV and xlsx cells beginning with = + - @, a tab or a
carriage return are prefixed with ' (never a formula); new files are private (mode 0600).
"""


def _who(f: F) -> F:
    f = click.option(
        "--rule",
        type=click.Choice(["any", "all", "majority"]),
        default=None,
        help="How the chosen coders' codings combine (default any).",
    )(f)
    f = click.option("--consensus", is_flag=True, help="Count the consensus coder's codings.")(f)
    f = click.option(
        "--coders", default=None, metavar="A,B", help="Count these coders (comma-separated)."
    )(f)
    return f


def _output(f: F) -> F:
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "xlsx", "md", "tex"]),
        default=None,
        help="Output format (default: from the extension of --out).",
    )(f)
    f = click.option(
        "--out",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Write to this file (.csv .xlsx .md .tex) instead of printing a table.",
    )(f)
    return f


def _level(f: F) -> F:
    return click.option(
        "--level",
        type=click.Choice(["code", "theme"]),
        default="code",
        show_default=True,
        help="Rows: each theme and its codes, or the themes only.",
    )(f)


def _describe(selection: Selection, participants: int | None = None) -> str:
    who = selection.describe()
    text = f"counted: {who} on {len(selection.transcripts)} transcript(s)"
    if participants is not None:
        text += f" of {participants} participant(s)"
    return text


def _notes(selection: Selection, participants: int | None = None) -> None:
    click.echo(_describe(selection, participants), err=True)
    for coder in selection.undone:
        click.echo(
            f"note: {coder} marked no transcript done; counting every transcript {coder} coded",
            err=True,
        )
    if not selection.transcripts:
        click.echo(
            "note: no transcript is in scope, so every count is 0 (code transcripts and mark "
            "them done with 'qualcode done', or choose other --coders / --rule)",
            err=True,
        )


def _write(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    out: Path | None,
    what: str,
    title: str | None = None,
) -> None:
    from qualcode.export.formats import write_table

    write_table(header, rows, fmt, out, title)
    if out is not None:
        click.echo(f"wrote {len(rows)} {what} to {out}", err=True)


@click.group()
def export() -> None:
    """Research exports: theme frequencies, quotes, matrices, the codebook appendix."""


@export.command("themes", epilog=WHO_HELP)
@_who
@click.option(
    "--by",
    default=None,
    metavar="ATTRIBUTE",
    help="A participant attribute (role, company_size, …): one block of rows per value.",
)
@_level
@_output
@pass_context
def export_themes(
    context: Context,
    coders: str | None,
    consensus: bool,
    rule: str | None,
    by: str | None,
    level: str,
    out: Path | None,
    fmt: str | None,
) -> None:
    """Theme frequencies: per theme and code, how many participants mentioned it.

    CSV columns: theme,code,participants,participants_total,participants_pct,segments — one
    row per theme (code empty) followed by its codes, in codebook order. participants:
    distinct participants with at least one segment counted for the code; segments: distinct
    segments; participants_pct = 100 × participants / participants_total, one decimal.
    participants_total: distinct participants with a transcript in scope (a participant with
    two interviews counts once). With --by ATTRIBUTE a first column named after the
    attribute, one block of rows per value (also values whose participants mentioned
    nothing; participants without the attribute form a block with an empty value), and
    participants_total counts the participants in scope with that value.
    """
    from qualcode.export.formats import choose_format
    from qualcode.services.themes import theme_frequencies

    chosen = choose_format(out, fmt)
    with context.project().session() as session:
        table = theme_frequencies(session, coders, consensus, rule, by, level)
    _notes(table.selection, table.participants_total)
    if chosen is None:
        _print_themes(table)
        return
    _write(table.header, table.records(), chosen, out, "row(s)", "Theme frequencies")


def _print_themes(table: ThemeTable) -> None:
    """The table in the terminal, with a bar of the participants' share."""
    from rich import box
    from rich.table import Table

    from qualcode.export.bars import bar
    from qualcode.export.output import terminal

    console = terminal()
    width = max(8, min(24, console.width // 6))
    blocks: list[str | None] = list(table.groups) if table.by is not None else [None]
    for group in blocks:
        total = table.totals.get(group, 0)
        title = f"Theme frequencies ({table.selection.describe()}): {total} participant(s)"
        if table.by is not None:
            title = f"{table.by} = {group or '(none)'} — {title}"
        out = Table(
            title=title,
            header_style="bold",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            padding=(0, 1, 0, 0),
        )
        out.add_column("theme / code", overflow="fold")
        for name in ("participants", "%", "segments"):
            out.add_column(name, justify="right")
        out.add_column("", no_wrap=True, width=width, style="cyan")
        for row in table.rows:
            if row.group != group:
                continue
            label = row.theme if not row.code else "  " + row.code
            style = "bold" if not row.code else None
            out.add_row(
                label,
                f"{row.participants}/{row.participants_total}",
                f"{row.participants_pct:.1f}",
                str(row.segments),
                bar(row.participants, row.participants_total, width),
                style=style,
            )
        console.print(out)


@export.command("quotes", epilog=WHO_HELP)
@click.option(
    "--code", default=None, help="Only this code (name or Theme/Code path) and codes under it."
)
@click.option("--coders", default=None, metavar="A,B", help="Count these coders (comma-separated).")
@click.option("--consensus", is_flag=True, help="Count the consensus coder's codings.")
@_output
@pass_context
def export_quotes(
    context: Context,
    code: str | None,
    coders: str | None,
    consensus: bool,
    out: Path | None,
    fmt: str | None,
) -> None:
    """The coded quotes: one row per coding, in codebook order, then transcript and position.

    Columns: theme,code,participant,transcript,segment,speaker,quote,coder,memo,start,end.
    The quote is the coded text (the span for a sub-span coding); segment and speaker are
    those of the segment where the span starts. A merged code is listed as the code it was
    merged into.
    """
    from qualcode.export.formats import choose_format
    from qualcode.services.research_exports import QUOTE_COLUMNS, export_quotes
    from qualcode.services.themes import choose_selection

    chosen = choose_format(out, fmt)
    with context.project().session() as session:
        selection = choose_selection(session, coders, consensus)
        rows = export_quotes(session, code, selection=selection)
    _notes(selection)
    if chosen is None:
        from qualcode.export.output import render_table

        render_table(QUOTE_COLUMNS, rows, f"Quotes ({selection.describe()})")
        return
    _write(QUOTE_COLUMNS, rows, chosen, out, "quote(s)", "Quotes")


@export.command("matrix", epilog=WHO_HELP)
@_who
@_level
@_output
@pass_context
def export_matrix(
    context: Context,
    coders: str | None,
    consensus: bool,
    rule: str | None,
    level: str,
    out: Path | None,
    fmt: str | None,
) -> None:
    """Code × participant: a cell is the number of distinct segments of the participant
    counted for the code (a theme row: for any code under it).

    Columns: theme,code and one per participant in scope (by participant id). Rows as in
    'export themes'.
    """
    from qualcode.export.formats import choose_format
    from qualcode.services.research_exports import export_matrix as matrix

    chosen = choose_format(out, fmt)
    with context.project().session() as session:
        result = matrix(session, coders, consensus, rule, level)
    _notes(result.selection, len(result.header) - 2)
    if chosen is None:
        from qualcode.export.output import render_table

        render_table(result.header, result.rows, f"Segments per participant ({_who_of(result)})")
        return
    _write(result.header, result.rows, chosen, out, "row(s)", "Code by participant")


@export.command("cooccurrence", epilog=WHO_HELP)
@_who
@_level
@_output
@pass_context
def export_cooccurrence(
    context: Context,
    coders: str | None,
    consensus: bool,
    rule: str | None,
    level: str,
    out: Path | None,
    fmt: str | None,
) -> None:
    """Code × code: a cell is the number of distinct segments counted for both codes (the
    diagonal: segments with the code).

    Columns: theme,code and one per code (its path). --level theme: themes instead of codes.
    """
    from qualcode.export.formats import choose_format
    from qualcode.services.research_exports import export_cooccurrence as cooccurrence

    chosen = choose_format(out, fmt)
    with context.project().session() as session:
        result = cooccurrence(session, coders, consensus, rule, level)
    _notes(result.selection)
    if chosen is None:
        from qualcode.export.output import render_table

        render_table(result.header, result.rows, f"Co-occurrence ({_who_of(result)})")
        return
    _write(result.header, result.rows, chosen, out, "row(s)", "Code co-occurrence")


@export.command("codebook", epilog=WHO_HELP)
@_who
@_output
@pass_context
def export_codebook(
    context: Context,
    coders: str | None,
    consensus: bool,
    rule: str | None,
    out: Path | None,
    fmt: str | None,
) -> None:
    """The codebook table for a paper appendix, with how many participants each code has.

    Columns: theme,name,description,include,exclude,example,participants — one row per
    theme (name empty) followed by its codes, as in 'export themes' (participants counted
    the same way). 'qualcode codebook export' writes the re-importable codebook instead.
    """
    from qualcode.export.formats import choose_format
    from qualcode.services.research_exports import codebook_appendix

    chosen = choose_format(out, fmt)
    with context.project().session() as session:
        appendix = codebook_appendix(session, coders, consensus, rule)
    _notes(appendix.selection, appendix.participants_total)
    title = f"{appendix.title} (N = {appendix.participants_total} participants)"
    if chosen is None:
        from qualcode.export.output import render_table

        render_table(appendix.header, appendix.rows, title)
        return
    _write(appendix.header, appendix.rows, chosen, out, "row(s)", title)


def _who_of(result: Any) -> str:
    return str(result.selection.describe())


COMMANDS = [export]

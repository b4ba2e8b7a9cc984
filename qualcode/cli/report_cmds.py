"""``qualcode report …``: reports on the coding (saturation)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.cli.context import FORMAT_OPTION, Context, pass_context

if TYPE_CHECKING:
    from qualcode.services.saturation import SaturationRow


@click.group()
def report() -> None:
    """Reports on the coding: saturation."""


@report.command()
@click.option(
    "--coder",
    "coders",
    multiple=True,
    metavar="NAME",
    help="Count this coder's codings only (repeatable; default: every coder's).",
)
@click.option(
    "--order",
    default="coded",
    show_default=True,
    metavar="coded|name|imported|LIST",
    help="Transcript order: by first coding time, name, import time, or a comma-separated "
    "list of transcript names (the others follow in coded order; listed transcripts the "
    "coders did not code are left out).",
)
@FORMAT_OPTION
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to this file (CSV for table, or JSON) instead of standard output.",
)
@pass_context
def saturation(
    context: Context, coders: tuple[str, ...], order: str, fmt: str, out: Path | None
) -> None:
    """Code saturation: per transcript, how many codes were applied for the first time.

    Columns: position, transcript, participant, codings, codes_used, new_codes,
    cumulative_codes, new_code_names. A merged code counts as the code it was merged into.
    Only transcripts the coder(s) coded are listed; with no codings the table is empty.
    """
    from qualcode.export.output import emit
    from qualcode.services.saturation import SATURATION_COLUMNS
    from qualcode.services.saturation import saturation as saturation_rows

    with context.project().session() as session:
        rows = saturation_rows(session, list(coders) or None, order)
    if not rows:
        who = f" by {', '.join(coders)}" if coders else ""
        click.echo(
            f"note: no codings{who} yet; saturation needs coded transcripts "
            "(apply codes, or 'qualcode codings import FILE.csv')",
            err=True,
        )
    if fmt == "table" and out is None:
        _print_table(rows, ", ".join(coders) if coders else "all coders")
        return
    emit(SATURATION_COLUMNS, [r.values() for r in rows], fmt, out)
    if out is not None:
        click.echo(f"wrote {len(rows)} transcript(s) to {out}", err=True)


def _print_table(rows: list[SaturationRow], who: str) -> None:
    """The rows as a terminal table, with a bar of the cumulative codes."""
    from rich import box
    from rich.table import Table

    from qualcode.export.bars import bar
    from qualcode.export.output import terminal

    console = terminal()
    chart = max(8, min(24, console.width // 7))
    table = Table(
        title=f"Code saturation ({who})",
        caption="used: distinct codes in the transcript; new: used for the first time; "
        "total: codes so far",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        expand=True,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    # The participant column only when it says more than the transcript's name.
    participants = any(r.participant != r.transcript for r in rows)
    columns = ("#", "transcript", "participant", "codings", "used", "new", "total")
    for name in columns if participants else tuple(c for c in columns if c != "participant"):
        numeric = name not in ("transcript", "participant")
        table.add_column(name, justify="right" if numeric else "left", overflow="fold")
    table.add_column("", no_wrap=True, width=chart, style="cyan")
    table.add_column("new codes", overflow="fold", ratio=1, min_width=16)
    top = max((r.cumulative_codes for r in rows), default=0)
    for r in rows:
        values = r.values()[:-1] if participants else (r.values()[:2] + r.values()[3:-1])
        table.add_row(
            *(str(v) for v in values),
            bar(r.cumulative_codes, top, chart),
            r.new_code_names,
        )
    console.print(table)


COMMANDS = [report]

"""``qualcode agreement``: inter-rater agreement per code or theme, and overall."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.cli.context import FORMAT_OPTION, Context, pass_context

if TYPE_CHECKING:
    from qualcode.services.agreement import AgreementReport

RATING_STYLE = {"reliable": "green", "tentative": "yellow", "unreliable": "red", "undefined": "dim"}


@click.command("agreement")
@click.option(
    "--coders", default=None, help="Coders to compare, A,B,… (default: all who finished)."
)
@click.option("--codes", default=None, help="Only these codes (or themes), X,Y,…")
@click.option(
    "--level", type=click.Choice(["code", "theme"]), default="code", show_default=True,
    help="theme: a unit counts for a theme when any code under it was applied.",
)  # fmt: skip
@click.option(
    "--unit", type=click.Choice(["segment", "transcript", "span"]), default="segment",
    show_default=True,
    help="segment: each segment; transcript: the code anywhere in the transcript (the level "
    "of 'k of N participants'); span: free character spans (Krippendorff's alpha-U).",
)  # fmt: skip
@click.option("--bootstrap", type=int, default=0, help="Resamples for a 95 % interval of alpha.")
@click.option("--seed", type=int, default=None, help="Random seed for --bootstrap.")
@click.option(
    "--cluster", type=click.Choice(["unit", "transcript"]), default="unit", show_default=True,
    help="What --bootstrap resamples: units, or whole transcripts (segments of a transcript "
    "are not independent).",
)  # fmt: skip
@FORMAT_OPTION
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to FILE.")
@click.option(
    "--open-to-coders", "open_to", type=click.Choice(["on", "off"]), default=None,
    help="Lead only: show coders the per-code figures (on) or only the overall rows (off, "
    "the default: per-code figures reveal what the others coded). Sets it and exits.",
)  # fmt: skip
@pass_context
def agreement(
    context: Context,
    coders: str | None,
    codes: str | None,
    level: str,
    unit: str,
    bootstrap: int,
    seed: int | None,
    cluster: str,
    fmt: str,
    out: Path | None,
    open_to: str | None,
) -> None:
    """Krippendorff's alpha, percent agreement, Fleiss' kappa, Gwet's AC1 and Cohen's kappa.

    Units are the segments of transcripts at least two of the coders marked done: 1 if the
    coder applied the code (to the segment or a span of it), 0 if they finished the
    transcript without it, missing if they did not finish it. One row per code, then
    ALL (mean) and ALL (pooled). CSV columns start with
    code,units,alpha,percent_agreement,coded_units,fleiss_kappa,gwet_ac1,alpha_low,alpha_high.

    Blind coding: a coder who is not the lead gets only the ALL rows unless the lead has run
    `qualcode agreement --open-to-coders on`.
    """
    from qualcode.export.output import emit
    from qualcode.services import agreement_access as access
    from qualcode.services.agreement import agreement as compute

    if open_to is not None:
        with context.project().transaction() as session:
            changed = access.set_open_to_coders(session, context.actor, open_to == "on")
        what = "open to coders" if open_to == "on" else "for the lead only"
        click.echo(f"per-code agreement figures: {what}" + ("" if changed else " (unchanged)"))
        return
    with context.project().session() as session:
        access.check_codes_filter(session, context.actor, codes)
        report = compute(session, coders, codes, level, unit, bootstrap, seed, cluster)
        report = access.visible_report(session, context.actor, report)
    if fmt == "table" and out is None:
        _print_table(report)
        return
    emit(report.columns(), report.table(), fmt, out)
    if out is not None:
        click.echo(f"wrote {len(report.rows)} row(s) to {out}", err=True)


def _fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _print_table(report: AgreementReport) -> None:
    """A compact table: codes under their theme, flags explained below the table."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from qualcode.export.output import terminal
    from qualcode.services.agreement import RARE_UNITS

    interval = bool(report.bootstrap)
    span = report.unit == "span"
    what = {"segment": "segments", "transcript": "transcripts", "span": "characters"}[report.unit]
    title = (
        f"Agreement of {', '.join(report.coders)} per {report.level}: {report.units} {what} "
        f"of {len(report.transcripts)} transcript(s)"
    )
    table = Table(
        title=title, header_style="bold", title_justify="left", box=box.SIMPLE_HEAD,
        pad_edge=False,
    )  # fmt: skip
    table.add_column(report.level, overflow="fold", min_width=16, ratio=1)
    number = {"justify": "right", "no_wrap": True}
    if span:
        table.add_column("spans", **number)  # type: ignore[arg-type]
    table.add_column("alpha-U" if span else "alpha", **number)  # type: ignore[arg-type]
    if interval:
        table.add_column("95 % CI", **number)  # type: ignore[arg-type]
    if span:
        table.add_column("|u-alpha", **number)  # type: ignore[arg-type]
    else:
        for name in ("agree", "coded", "Fleiss", "AC1", "Cohen"):
            table.add_column(name, **number)  # type: ignore[arg-type]
    table.add_column("", no_wrap=True, min_width=11)
    theme = None
    flagged = 0
    for row in report.rows:
        if row.overall and theme is not None:
            table.add_section()
            theme = None
        elif report.level == "code" and not row.overall and row.theme != theme:
            theme = row.theme
            table.add_row(Text(theme, style="bold"))
        style = RATING_STYLE[row.rating]
        label = row.code
        if report.level == "code" and not row.overall and "/" in label:
            label = "  " + label.split("/", 1)[1]
        mark = ""
        if row.note and not row.overall:
            mark = "*"
            flagged += 1
        cells: list[str | Text] = [Text(label, style="bold" if row.overall else "")]
        if span:
            cells.append(str(row.units))
        cells.append(Text(_fmt(row.alpha), style=style))
        if interval:
            low_high = f"{_fmt(row.alpha_low)}–{_fmt(row.alpha_high)}"
            cells.append(low_high if row.alpha_low is not None else "")
        if span:
            cells.append(_fmt(row.u_alpha))
        else:
            pct = None if row.percent_agreement is None else 100 * row.percent_agreement
            cells += [
                _fmt(pct, 1) + ("%" if pct is not None else ""),
                _fmt(row.coded_units),
                _fmt(row.fleiss_kappa),
                _fmt(row.gwet_ac1),
                _fmt(row.cohen_kappa),
            ]
        cells.append(Text(row.rating + mark, style=style))
        table.add_row(*cells)
    console = terminal()
    console.print(table)
    notes = [
        "alpha ≥ .800 reliable, .667–.800 tentative, below unreliable (Krippendorff)"
        + ("." if span else "; nominal alpha on presence/absence."),
        *report.notes,
    ]
    if span:
        notes.append(
            "alpha-U: Krippendorff (2004) per code and over all codes; |u-alpha: "
            "Krippendorff et al. (2016), coded versus not coded."
        )
    if flagged:
        notes.append(
            f"* {flagged} row(s) carry a note (--format csv gives each): a code applied on "
            f"fewer than {RARE_UNITS} units is too rare to judge (its alpha swings with one "
            "segment; read AC1 and an interval beside it), or alpha is undefined."
        )
    if report.bootstrap:
        notes.append(report.bootstrap)
    if len(report.pair_names) > 1:
        notes.append("Cohen: mean of the coder pairs' kappas; --format csv gives each pair.")
    if not span:
        notes.append(
            "ALL (mean): the mean over codes; ALL (pooled): one coincidence matrix over "
            "every code × unit."
        )
    for note in notes:
        console.print(note, style="dim")


COMMANDS = [agreement]

"""``qualcode consensus auto|set|list``: record the lead's consensus on disagreements."""

from __future__ import annotations

import click

from qualcode.cli.context import FORMAT_OPTION, Context, pass_context


@click.group()
def consensus() -> None:
    """Consensus codings (coder 'consensus') and how each segment was decided."""


@consensus.command("auto")
@click.option(
    "--rule",
    type=click.Choice(["all", "majority"]),
    default="all",
    show_default=True,
    help="all: where every coder agrees; majority: where more than half agree.",
)
@click.option("--coders", default=None, help="Coders compared (default: all who finished).")
@pass_context
def consensus_auto(context: Context, rule: str, coders: str | None) -> None:
    """Pre-fill consensus where the coders agree, leaving only real disagreements."""
    from qualcode.services.consensus import auto_consensus

    with context.project().transaction() as session:
        report = auto_consensus(session, context.actor, rule, coders)
    click.echo(
        f"consensus ({rule}): {report.decided} segment(s) decided with {report.codings} "
        f"coding(s); {report.already} decided before; {report.left} segment(s) left to "
        "decide ('qualcode consensus list --undecided' lists them)"
    )


@consensus.command("set")
@click.argument("transcript")
@click.argument("segment", type=int)
@click.option("--from", "from_coder", default=None, help="Take this coder's codes.")
@click.option("--union", is_flag=True, help="Take every coder's codes.")
@click.option("--codes", default=None, help="Exactly these codes (comma-separated).")
@click.option("--none", "no_codes", is_flag=True, help="Decide that no code applies.")
@click.option("--note", default="", help="Why, kept with the decision.")
@pass_context
def consensus_set(
    context: Context,
    transcript: str,
    segment: int,
    from_coder: str | None,
    union: bool,
    codes: str | None,
    no_codes: bool,
    note: str,
) -> None:
    """Decide the consensus for one segment."""
    from qualcode.services.consensus import set_consensus

    code_list = [c.strip() for c in codes.split(",") if c.strip()] if codes else None
    if no_codes:
        code_list = [] if code_list is None else code_list
    with context.project().transaction() as session:
        how, paths = set_consensus(
            session,
            context.actor,
            transcript,
            segment,
            from_coder=from_coder,
            union=union,
            codes=code_list,
            note=note,
        )
    click.echo(f"consensus on {transcript} segment {segment} ({how}): {', '.join(paths) or '—'}")


@consensus.command("list")
@click.option("--coders", default=None, help="Coders compared (default: all who finished).")
@click.option("--code", default=None, help="Only this code.")
@click.option("--undecided", is_flag=True, help="Only segments without a consensus yet.")
@FORMAT_OPTION
@pass_context
def consensus_list(
    context: Context, coders: str | None, code: str | None, undecided: bool, fmt: str
) -> None:
    """Segments where the coders disagree on a code, and whether consensus was reached."""
    from qualcode.export.output import emit
    from qualcode.services.consensus import DISAGREEMENT_COLUMNS, disagreements

    with context.project().session() as session:
        rows = disagreements(session, coders, code, undecided)
    emit(DISAGREEMENT_COLUMNS, rows, fmt)


COMMANDS = [consensus]

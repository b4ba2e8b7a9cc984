"""``qualcode codebook add|edit|rename|move|merge|split|retire|accept|reject|tag|diff|history``
and ``qualcode codings stale|recode``: the codebook as it evolves."""

from __future__ import annotations

import click

from qualcode.cli.codebook_cmds import codebook
from qualcode.cli.coding_cmds import codings
from qualcode.cli.context import FORMAT_OPTION, Context, pass_context

WHY = click.option("--why", required=True, help="The reason, kept in the codebook history.")


@codebook.command("add")
@click.argument("name")
@click.option("--parent", default=None, help="Parent theme or code (default: top level).")
@click.option("--description", default="", help="What the code means.")
@click.option("--by", default=None, help="Record it as this coder's proposal.")
@pass_context
def codebook_add(
    context: Context, name: str, parent: str | None, description: str, by: str | None
) -> None:
    """Add an inductive code: active from the lead, else (or with --by) a proposal."""
    from qualcode.services.codebook_changes import add_code

    with context.project().transaction() as session:
        code, path = add_code(session, context.actor, name, parent, description, by)
        status = code.status
    click.echo(f"proposed: {path}" if status == "proposed" else f"added: {path}")


@codebook.command("edit")
@click.argument("code")
@click.option("--description", default=None)
@click.option("--include", default=None)
@click.option("--exclude", default=None)
@click.option("--example", default=None)
@click.option("--color", default=None)
@click.option(
    "--shortcut",
    default=None,
    help="One key that applies the code in the coding screen: not a command's key, nor "
    "another code's ('' removes it).",
)
@click.option("--why", default="", help="The reason, kept in the codebook history.")
@pass_context
def codebook_edit(
    context: Context,
    code: str,
    description: str | None,
    include: str | None,
    exclude: str | None,
    example: str | None,
    color: str | None,
    shortcut: str | None,
    why: str,
) -> None:
    """Change a code's definition (only the fields given)."""
    from qualcode.services.codebook_changes import edit_code

    with context.project().transaction() as session:
        changed = edit_code(
            session,
            context.actor,
            code,
            description,
            include,
            exclude,
            example,
            color,
            shortcut,
            why,
        )
    if changed:
        click.echo(f"edited {code}: {', '.join(changed)}")
    else:
        click.echo(f"{code}: nothing changed")


@codebook.command("rename")
@click.argument("code")
@click.argument("new_name")
@WHY
@pass_context
def codebook_rename(context: Context, code: str, new_name: str, why: str) -> None:
    """Rename a code; its codings keep it."""
    from qualcode.services.codebook_changes import rename_code

    with context.project().transaction() as session:
        old = rename_code(session, context.actor, code, new_name, why)
    click.echo(f"renamed: {old} → {new_name}")


@codebook.command("move")
@click.argument("code")
@click.option("--parent", required=True, help='New parent; "" for the top level.')
@WHY
@pass_context
def codebook_move(context: Context, code: str, parent: str, why: str) -> None:
    """Move a code under another theme or code."""
    from qualcode.services.codebook_changes import move_code

    with context.project().transaction() as session:
        path = move_code(session, context.actor, code, parent or None, why)
    click.echo(f"moved: {code} → {path}")


@codebook.command("merge")
@click.argument("codes", nargs=-1, required=True)
@click.option("--into", "target", required=True, help="The code that absorbs them.")
@WHY
@pass_context
def codebook_merge(context: Context, codes: tuple[str, ...], target: str, why: str) -> None:
    """Merge codes into another; every coding moves to it."""
    from qualcode.services.codebook_changes import merge_codes

    with context.project().transaction() as session:
        result = merge_codes(session, context.actor, list(codes), target, why)
    click.echo(
        f"merged: {', '.join(result.sources)} into {result.target} ({result.moved} coding(s) "
        f"moved, {result.collapsed} duplicate(s) collapsed)"
    )
    if result.shortcuts:
        click.echo(result.shortcuts)


@codebook.command("split")
@click.argument("code")
@click.option("--into", "into", required=True, help="New code names, comma-separated: A,B")
@WHY
@pass_context
def codebook_split(context: Context, code: str, into: str, why: str) -> None:
    """Split a code into new ones; its codings stay on it until recoded."""
    from qualcode.services.codebook_changes import codings_to_recode, split_code

    with context.project().transaction() as session:
        old, new = split_code(session, context.actor, code, into.split(","), why)
        pending = len(codings_to_recode(session, old))
    click.echo(f"split: {old} into {', '.join(new)}; {pending} coding(s) to recode")


@codebook.command("retire")
@click.argument("code")
@WHY
@pass_context
def codebook_retire(context: Context, code: str, why: str) -> None:
    """Retire a code: no new codings; existing ones stay."""
    from qualcode.services.codebook_changes import retire_code

    with context.project().transaction() as session:
        path = retire_code(session, context.actor, code, why)
    click.echo(f"retired: {path}")


@codebook.command("accept")
@click.argument("code")
@pass_context
def codebook_accept(context: Context, code: str) -> None:
    """Accept a coder's proposed code."""
    from qualcode.services.codebook_changes import accept_code

    with context.project().transaction() as session:
        path = accept_code(session, context.actor, code)
    click.echo(f"accepted: {path}")


@codebook.command("reject")
@click.argument("code")
@WHY
@pass_context
def codebook_reject(context: Context, code: str, why: str) -> None:
    """Reject a coder's proposed code."""
    from qualcode.services.codebook_changes import reject_code

    with context.project().transaction() as session:
        path = reject_code(session, context.actor, code, why)
    click.echo(f"rejected: {path}")


@codebook.command("tag")
@click.argument("label")
@pass_context
def codebook_tag(context: Context, label: str) -> None:
    """Name the current codebook version (for `codebook diff`)."""
    from qualcode.services.codebook_changes import require_lead
    from qualcode.services.codebook_history import tag

    with context.project().transaction() as session:
        require_lead(session, context.actor, "tag")
        seq = tag(session, label)
    click.echo(f"tagged: {label} (version {seq})")


@codebook.command("diff")
@click.argument("label1")
@click.argument("label2")
@pass_context
def codebook_diff(context: Context, label1: str, label2: str) -> None:
    """What changed between two tags ('current': now)."""
    from qualcode.services.codebook_history import diff

    with context.project().session() as session:
        lines = diff(session, label1, label2)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(f"no changes between {label1} and {label2}")


@codebook.command("history")
@click.option("--code", default=None, help="Only this code's events.")
@FORMAT_OPTION
@pass_context
def codebook_history(context: Context, code: str | None, fmt: str) -> None:
    """Every codebook change: when, who, what and why."""
    from qualcode.export.output import emit
    from qualcode.services.codebook_history import HISTORY_COLUMNS, history_rows

    with context.project().session() as session:
        rows = history_rows(session, code)
    if fmt == "table":
        emit(HISTORY_COLUMNS[:5], [row[:5] for row in rows], "table")
    else:
        emit(HISTORY_COLUMNS, rows, fmt)


@codings.command("stale")
@click.option("--code", default=None, help="Only codings of this code.")
@FORMAT_OPTION
@pass_context
def codings_stale(context: Context, code: str | None, fmt: str) -> None:
    """Codings made before their code was last redefined or renamed."""
    from qualcode.export.output import emit
    from qualcode.services.codebook_history import STALE_COLUMNS, stale_codings

    with context.project().session() as session:
        rows = stale_codings(session, code)
    emit(STALE_COLUMNS, rows, fmt)


@codings.command("recode")
@click.option("--code", default=None, help="Only codings of this split code.")
@FORMAT_OPTION
@pass_context
def codings_recode(context: Context, code: str | None, fmt: str) -> None:
    """Codings still on codes that were split: each needs one of the new codes."""
    from qualcode.export.output import emit
    from qualcode.services.codebook_changes import RECODE_COLUMNS, codings_to_recode

    with context.project().session() as session:
        rows = codings_to_recode(session, code)
    emit(RECODE_COLUMNS, rows, fmt)

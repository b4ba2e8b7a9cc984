"""``qualcode pseudonymise``: replace real names with placeholders before coding."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.context import Context, pass_context


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@click.command()
@click.option(
    "--names",
    "names_file",
    type=click.Path(path_type=Path),
    required=True,
    help="CSV of name,placeholder (people, employers, products…).",
)
@click.option("--dry-run", is_flag=True, help="Count the replacements; store nothing.")
@click.option(
    "--suggest",
    is_flag=True,
    help="Also list names a trained spaCy pipeline finds (PERSON, ORG, PRODUCT) that the "
    "file lacks, for the lead to confirm and add.",
)
@pass_context
def pseudonymise(context: Context, names_file: Path, dry_run: bool, suggest: bool) -> None:
    """Replace real names with placeholders everywhere in the project.

    Transcripts (text, name, source path), speaker labels, participant ids and attributes,
    memos, consensus notes, code names, definitions and examples, the codebook history and
    the audit log (which keep the fact of each change, not the name). Codings stay on the
    same words. Ends with a scan that reports any occurrence left; on SQLite the file is then
    vacuumed with secure_delete, so the old text is not left in free pages. The names are
    not stored in the project (keep the names file somewhere safe, or delete it); the audit
    log records only how many replacements were made. Earlier backups and exports still
    hold the names.
    """
    from qualcode.ingest.pseudonyms import read_names
    from qualcode.services.pseudonymise import old_backups, purge_free_pages
    from qualcode.services.pseudonymise import pseudonymise as run

    names = read_names(names_file)
    project = context.project()
    try:
        with project.transaction() as session:
            report = run(session, context.actor, names)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    prefix = "dry run, nothing stored: " if dry_run else ""
    click.echo(
        f"{prefix}{report.total} replacement(s) in {len(report.transcripts)} transcript(s); "
        f"{report.speakers} speaker label(s), {report.memos} memo(s); "
        f"{report.codings_moved} coding(s) moved with their text"
    )
    for name, count in report.transcripts.items():
        click.echo(f"  {name}: {count}")
    for place, count in sorted(report.places.items()):
        click.echo(f"  {place}: {count} changed")
    if report.remaining:
        click.echo("scan: listed names still found (check them; coder names are not changed):")
        for place, count in report.remaining.items():
            click.echo(f"  {place}: {count}")
    else:
        click.echo(
            "scan: no listed name left anywhere in the project"
            + (" (after this run)" if dry_run else "")
        )
    if not dry_run:
        note = purge_free_pages(project.engine)
        if note:
            click.echo(f"note: {note}", err=True)
        else:
            click.echo("vacuumed with secure_delete: the old text is not left in free pages")
        for backup in old_backups(project.location.path):
            click.echo(f"note: {backup} is an older copy that still holds the names", err=True)
    if suggest:
        _suggest(context, set(names))


def _suggest(context: Context, known: set[str]) -> None:
    from sqlalchemy import select

    from qualcode.ingest.pseudonyms import suggest
    from qualcode.store.models import Transcript

    with context.project().session() as session:
        texts = list(session.scalars(select(Transcript.text)))
    found = suggest(texts, known)
    if not found and not _has_trained_pipeline():
        click.echo(
            "note: --suggest needs a trained English spaCy pipeline "
            "(e.g. python -m spacy download en_core_web_sm); none is installed",
            err=True,
        )
        return
    click.echo(
        "names the pipeline found that the file lacks (check, then add as name,placeholder):"
    )
    for text, label, count in found:
        click.echo(f"  {label:7} {count:4}  {text}")


def _has_trained_pipeline() -> bool:
    import importlib.util

    return any(
        importlib.util.find_spec(m) is not None
        for m in ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf")
    )


COMMANDS = [pseudonymise]

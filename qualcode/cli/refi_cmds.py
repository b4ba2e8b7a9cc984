"""``qualcode refi export|import``: exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder (REFI-QDA)."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.context import SPACY_MODEL_OPTION, Context, pass_context
from qualcode.errors import QualcodeError


@click.group()
def refi() -> None:
    """REFI-QDA exchange: codebooks (.qdc) and whole projects (.qdpx)."""


@refi.command("export")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="FILE.qdc (the codebook) or FILE.qdpx (the whole project).",
)
@pass_context
def refi_export(context: Context, out: Path) -> None:
    """Write the codebook (.qdc) or the whole project (.qdpx) for other QDA tools.

    A .qdpx holds the coders, the codebook (stable GUIDs, hierarchy), the transcripts'
    text, every coding, participants with their attributes, and memos. New files: mode 0600.
    """
    from qualcode.export.output import write_private_bytes

    suffix = out.suffix.lower()
    if suffix not in (".qdc", ".qdpx"):
        raise QualcodeError(
            f"{out}: give a .qdc file (the codebook) or a .qdpx file (the whole project)"
        )
    with context.project().session() as session:
        if suffix == ".qdc":
            from qualcode.services.refi_export import export_codebook

            data, summary = export_codebook(session)
            kind = "codebook"
        else:
            from qualcode.services.refi_export import export_project

            data, summary = export_project(session, out.stem, context.actor)
            kind = "project"
    write_private_bytes(out, data)
    click.echo(f"{out}: {summary.line(kind)}")
    for note in summary.notes:
        click.echo(f"note: {note}", err=True)


@refi.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--unit",
    type=click.Choice(["sentence", "turn", "paragraph"]),
    default="sentence",
    show_default=True,
    help="What a segment of an imported source is (as for `qualcode import`).",
)
@SPACY_MODEL_OPTION
@click.option(
    "--done",
    is_flag=True,
    help="Mark each coder × transcript with codings in the file as done (agreement counts it).",
)
@pass_context
def refi_import(context: Context, file: Path, unit: str, spacy_model: str, done: bool) -> None:
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc) into this project (the lead's).

    Codes go through the codebook merge rules; sources become transcripts (segmented like
    any import); selections become span codings by their users; cases and variables become
    participants and attributes; notes become memos. What cannot come in is listed with
    the reason. Importing the same file again adds nothing.
    """
    from qualcode.services.importing import ImportOptions, SegmenterLike, make_segmenter
    from qualcode.services.refi_import import RefiImportOptions, import_refi

    options = RefiImportOptions(unit=unit, spacy_model=spacy_model, done=done)

    def segmenter() -> SegmenterLike:
        return make_segmenter(ImportOptions(unit=unit, spacy_model=spacy_model), [])

    report = import_refi(context.project(), file, context.actor, options, segmenter)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{file}: imported")
    for line in report.lines():
        click.echo(f"  {line}")


COMMANDS = [refi]

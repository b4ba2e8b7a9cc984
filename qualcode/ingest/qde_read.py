"""Read a REFI-QDA project (``.qdpx``: a zip with a ``.qde`` and ``sources/``) into plain values.

```xml
<Project xmlns="urn:QDA-XML:project:1.0" name="…" origin="…" creatingUserGUID="…">
  <Users><User guid="…" name="Alice"/></Users>
  <CodeBook><Codes><Code guid="…" name="Trust" isCodable="true">…</Code></Codes></CodeBook>
  <Variables><Variable guid="…" name="Age" typeOfVariable="Integer"/></Variables>
  <Cases><Case guid="…" name="P07"><VariableValue>…</VariableValue><SourceRef …/></Case></Cases>
  <Sources>
    <TextSource guid="…" name="P07.txt" plainTextPath="internal://….txt" creatingUser="…">
      <PlainTextSelection guid="…" startPosition="42" endPosition="67" creatingUser="…">
        <Coding guid="…" creatingUser="…"><CodeRef targetGUID="…"/><NoteRef …/></Coding>
        <NoteRef targetGUID="…"/>
      </PlainTextSelection>
      <NoteRef targetGUID="…"/>
    </TextSource>
  </Sources>
  <Notes><Note guid="…" name="…"><PlainTextContent>…</PlainTextContent></Note></Notes>
  <Sets><Set guid="…" name="Done by Alice"><MemberSource targetGUID="…"/></Set></Sets>
</Project>
```

The XML is parsed with defusedxml (no DTD, no entities: see ``qdc_read.parse_xml``) and
matched by local names, so the namespaces seen in the wild (``1.0``, ``1:0``, ``0:4``,
``0:10``) all read. GUIDs lose their braces and are lower-cased. The code tree is read by
``qdc_read.parse_codes`` (a ``/`` in a code name becomes ``-``: it separates path parts here).

Text sources are read from the archive (:mod:`qualcode.ingest.refi_zip`): ``internal://NAME``
is ``sources/NAME``; ``absolute://`` and ``relative://`` paths point outside the file and are
refused, never opened. Where a source has a rich-text file (``.docx``) beside its plain
text, the plain text is used and the docx is not read. The text is decoded (UTF-8 with or
without BOM, UTF-16 with BOM, else Windows-1252 with a warning) but not normalised:
selection positions count in this raw text (see :mod:`qualcode.ingest.refi_offsets`).

What the standard leaves to the reader is checked here: GUIDs are unique (a repeated source,
selection or note is left out and reported), positions are whole numbers. That references
resolve is checked where they are used (``services.refi_import``). Headless: no database.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.ingest.qdc_read import (
    GUID,
    QdcCode,
    attribute,
    children_named,
    local_name,
    parse_codes,
    parse_xml,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from qualcode.ingest.refi_zip import RefiZip

OUTSIDE_SCHEMES = ("absolute://", "relative://")
INTERNAL = "internal://"
VALUE_ELEMENTS = (
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
)
OTHER_SOURCES = {
    "PictureSource": "picture",
    "PDFSource": "PDF",
    "AudioSource": "audio",
    "VideoSource": "video",
}
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass
class RefiUser:
    guid: str
    name: str  # the name, else the id, else "user " + the GUID's first 8 digits


@dataclass
class RefiCoding:
    guid: str
    code: str | None  # the CodeRef's target GUID
    user: str | None
    created: datetime | None
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    guid: str
    where: str
    name: str
    start: int
    end: int
    user: str | None
    created: datetime | None
    codings: list[RefiCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSource:
    guid: str
    where: str
    name: str
    plain_path: str
    rich_path: str
    user: str | None
    created: datetime | None
    selections: list[RefiSelection] = field(default_factory=list)
    source_codings: int = 0  # <Coding> of the whole source (not of a selection)
    notes: list[str] = field(default_factory=list)
    raw: str | None = None  # the decoded plain text (not normalised), once read
    skipped: str = ""  # why the source cannot be imported
    notices: list[str] = field(default_factory=list)  # e.g. the docx that was not read


@dataclass
class RefiNote:
    guid: str
    where: str
    name: str
    user: str | None
    created: datetime | None
    content: str | None
    plain_path: str


@dataclass
class RefiVariable:
    guid: str
    name: str
    type: str


@dataclass
class RefiCase:
    guid: str
    where: str
    name: str
    values: list[tuple[str, str]] = field(default_factory=list)  # (variable GUID, value)
    sources: list[str] = field(default_factory=list)


@dataclass
class RefiSet:
    guid: str
    name: str
    sources: list[str] = field(default_factory=list)


@dataclass
class RefiProject:
    path: Path
    name: str
    origin: str
    user: str | None  # creatingUserGUID
    users: list[RefiUser] = field(default_factory=list)
    codes: list[QdcCode] = field(default_factory=list)
    code_notes: list[tuple[str, str]] = field(default_factory=list)  # (code GUID, note GUID)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    other_sources: list[tuple[str, str]] = field(default_factory=list)  # (kind, name)
    notes: list[RefiNote] = field(default_factory=list)
    project_notes: list[str] = field(default_factory=list)
    sets: list[RefiSet] = field(default_factory=list)
    links: int = 0
    graphs: int = 0
    duplicates: list[str] = field(default_factory=list)  # repeated GUIDs, left out
    warnings: list[str] = field(default_factory=list)


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[str, str] = {}  # GUIDs of sources, selections and notes -> where
        self.duplicates: list[str] = []

    def fail(self, where: str, message: str) -> QualcodeError:
        return QualcodeError(f"{self.path}: {where}: {message}")

    def guid(self, element: Element, name: str, where: str, required: bool = True) -> str | None:
        value = attribute(element, name)
        if not value:
            if required:
                raise self.fail(where, f"<{local_name(element.tag)}> has no {name}")
            return None
        if not GUID.match(value):
            raise self.fail(where, f"{name} {value!r} is not a GUID")
        return value.strip("{}").lower()

    def unique(self, guid: str, where: str) -> bool:
        """False (and the repeat noted) when another source, selection or note has it."""
        if guid in self.seen:
            self.duplicates.append(f"{where}: GUID {guid} is also used by {self.seen[guid]}")
            return False
        self.seen[guid] = where
        return True

    def refs(self, element: Element, name: str, where: str) -> list[str]:
        out = []
        for i, ref in enumerate(children_named(element, name), start=1):
            target = self.guid(ref, "targetGUID", f"{where}/{name}[{i}]")
            if target is not None:
                out.append(target)
        return out

    def integer(self, element: Element, name: str, where: str) -> int:
        value = attribute(element, name)
        if not _INTEGER.match(value):
            raise self.fail(where, f"{name} {value!r} is not a whole number")
        return int(value)

    # -- the parts --------------------------------------------------------------------------

    def users(self, root: Element) -> list[RefiUser]:
        users: list[RefiUser] = []
        for block in children_named(root, "Users"):
            for i, element in enumerate(children_named(block, "User"), start=1):
                where = f"Users/User[{i}]"
                guid = self.guid(element, "guid", where)
                assert guid is not None
                name = " ".join(attribute(element, "name").split())
                name = name or " ".join(attribute(element, "id").split()) or f"user {guid[:8]}"
                users.append(RefiUser(guid, name[:200]))
        return users

    def codes(self, root: Element) -> tuple[list[QdcCode], list[tuple[str, str]]]:
        books = children_named(root, "CodeBook")
        if not books:
            return [], []
        codes_elements = children_named(books[0], "Codes")
        if not codes_elements:
            return [], []
        codes = parse_codes(codes_elements[0], self.path, rename_slashes=True)
        notes: list[tuple[str, str]] = []
        for element in codes_elements[0].iter():
            if local_name(element.tag) != "Code":
                continue
            code_guid = self.guid(element, "guid", "CodeBook", required=False)
            for target in self.refs(element, "NoteRef", "CodeBook/Code"):
                notes.append((code_guid or "", target))
        return codes, notes

    def variables(self, root: Element) -> list[RefiVariable]:
        out: list[RefiVariable] = []
        for block in children_named(root, "Variables"):
            for i, element in enumerate(children_named(block, "Variable"), start=1):
                where = f"Variables/Variable[{i}]"
                guid = self.guid(element, "guid", where)
                assert guid is not None
                name = " ".join(attribute(element, "name").split()) or f"variable {guid[:8]}"
                out.append(RefiVariable(guid, name[:200], attribute(element, "typeOfVariable")))
        return out

    def cases(self, root: Element) -> list[RefiCase]:
        out: list[RefiCase] = []
        for block in children_named(root, "Cases"):
            for i, element in enumerate(children_named(block, "Case"), start=1):
                where = f"Cases/Case[{i}]"
                guid = self.guid(element, "guid", where)
                assert guid is not None
                name = " ".join(attribute(element, "name").split()) or f"case {guid[:8]}"
                case = RefiCase(guid, f"{where} ({name})", name[:200])
                for j, value in enumerate(children_named(element, "VariableValue"), start=1):
                    at = f"{where}/VariableValue[{j}]"
                    refs = self.refs(value, "VariableRef", at)
                    texts = [
                        "".join(child.itertext()).strip()
                        for child in value
                        if local_name(child.tag) in VALUE_ELEMENTS
                    ]
                    if refs:
                        case.values.append((refs[0], texts[0] if texts else ""))
                case.sources = self.refs(element, "SourceRef", where)
                out.append(case)
        return out

    def coding(self, element: Element, where: str) -> RefiCoding:
        guid = self.guid(element, "guid", where)
        assert guid is not None
        refs = self.refs(element, "CodeRef", where)
        return RefiCoding(
            guid=guid,
            code=refs[0] if refs else None,
            user=self.guid(element, "creatingUser", where, required=False),
            created=_datetime(attribute(element, "creationDateTime")),
            notes=self.refs(element, "NoteRef", where),
        )

    def selection(self, element: Element, where: str) -> RefiSelection | None:
        guid = self.guid(element, "guid", where)
        assert guid is not None
        if not self.unique(guid, where):
            return None
        selection = RefiSelection(
            guid=guid,
            where=where,
            name=attribute(element, "name"),
            start=self.integer(element, "startPosition", where),
            end=self.integer(element, "endPosition", where),
            user=self.guid(element, "creatingUser", where, required=False),
            created=_datetime(attribute(element, "creationDateTime")),
            notes=self.refs(element, "NoteRef", where),
        )
        selection.codings = [
            self.coding(coding, f"{where}/Coding[{k}]")
            for k, coding in enumerate(children_named(element, "Coding"), start=1)
        ]
        return selection

    def sources(self, root: Element, project: RefiProject) -> None:
        for block in children_named(root, "Sources"):
            counts: dict[str, int] = {}
            for element in block:
                kind = local_name(element.tag)
                counts[kind] = counts.get(kind, 0) + 1
                where = f"Sources/{kind}[{counts[kind]}]"
                name = " ".join(attribute(element, "name").split())
                if kind != "TextSource":
                    label = OTHER_SOURCES.get(kind, kind)
                    project.other_sources.append((label, name or attribute(element, "guid")))
                    continue
                guid = self.guid(element, "guid", where)
                assert guid is not None
                where = f"{where} ({name or guid})"
                if not self.unique(guid, where):
                    continue
                source = RefiSource(
                    guid=guid,
                    where=where,
                    name=name,
                    plain_path=attribute(element, "plainTextPath"),
                    rich_path=attribute(element, "richTextPath"),
                    user=self.guid(element, "creatingUser", where, required=False),
                    created=_datetime(attribute(element, "creationDateTime")),
                    notes=self.refs(element, "NoteRef", where),
                )
                contents = children_named(element, "PlainTextContent")
                if contents and not source.plain_path:
                    source.raw = "".join(contents[0].itertext())
                for k, child in enumerate(children_named(element, "PlainTextSelection"), 1):
                    selection = self.selection(child, f"{where}/PlainTextSelection[{k}]")
                    if selection is not None:
                        source.selections.append(selection)
                source.source_codings = len(children_named(element, "Coding"))
                project.sources.append(source)

    def notes(self, root: Element) -> list[RefiNote]:
        out: list[RefiNote] = []
        for block in children_named(root, "Notes"):
            for i, element in enumerate(children_named(block, "Note"), start=1):
                where = f"Notes/Note[{i}]"
                guid = self.guid(element, "guid", where)
                assert guid is not None
                name = " ".join(attribute(element, "name").split())
                where = f"{where} ({name or guid})"
                if not self.unique(guid, where):
                    continue
                contents = children_named(element, "PlainTextContent")
                out.append(
                    RefiNote(
                        guid=guid,
                        where=where,
                        name=name,
                        user=self.guid(element, "creatingUser", where, required=False),
                        created=_datetime(attribute(element, "creationDateTime")),
                        content="".join(contents[0].itertext()) if contents else None,
                        plain_path=attribute(element, "plainTextPath"),
                    )
                )
        return out

    def sets(self, root: Element) -> list[RefiSet]:
        out: list[RefiSet] = []
        for block in children_named(root, "Sets"):
            for i, element in enumerate(children_named(block, "Set"), start=1):
                where = f"Sets/Set[{i}]"
                guid = self.guid(element, "guid", where)
                assert guid is not None
                name = " ".join(attribute(element, "name").split())
                out.append(RefiSet(guid, name, self.refs(element, "MemberSource", where)))
        return out


def _datetime(value: str) -> datetime | None:
    """An xsd:dateTime (``2024-09-15T15:36:47Z``), as an aware datetime; None if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_qde(data: bytes, path: Path) -> RefiProject:
    """The project in ``data`` (the bytes of a .qde; ``path`` names the file in errors).

    Text sources are not read here (see :func:`read_qdpx`); PlainTextContent is kept.
    """
    root = parse_xml(data, path, "REFI-QDA project (.qde)")
    if local_name(root.tag) != "Project":
        raise QualcodeError(
            f"{path}: not a REFI-QDA project: the root element is <{local_name(root.tag)}>, "
            "not <Project>"
        )
    parser = _Parser(path)
    project = RefiProject(
        path=path,
        name=attribute(root, "name"),
        origin=attribute(root, "origin"),
        user=parser.guid(root, "creatingUserGUID", "Project", required=False),
    )
    project.users = parser.users(root)
    project.codes, project.code_notes = parser.codes(root)
    project.variables = parser.variables(root)
    project.cases = parser.cases(root)
    parser.sources(root, project)
    project.notes = parser.notes(root)
    project.project_notes = parser.refs(root, "NoteRef", "Project")
    project.sets = parser.sets(root)
    project.links = sum(len(children_named(b, "Link")) for b in children_named(root, "Links"))
    project.graphs = sum(len(children_named(b, "Graph")) for b in children_named(root, "Graphs"))
    project.duplicates = parser.duplicates
    return project


def decode_text(data: bytes) -> tuple[str, str | None]:
    """The text of a source file, without its BOM, and a warning when it was not UTF-8/16."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    else:
        for bom, encoding in (
            (codecs.BOM_UTF16_LE, "utf-16-le"),
            (codecs.BOM_UTF16_BE, "utf-16-be"),
        ):
            if data.startswith(bom):
                try:
                    return data[len(bom) :].decode(encoding).removeprefix("\ufeff"), None
                except UnicodeDecodeError:
                    break
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    return text, "not UTF-8; read as Windows-1252 (cp1252) — check accented characters"


def check_path(value: str, where: str, path: Path, attribute_name: str) -> str | None:
    """The member name of an ``internal://`` path; None when empty. ``absolute://`` and
    ``relative://`` paths (outside the file) and unknown schemes are refused."""
    if not value:
        return None
    lowered = value.lower()
    if lowered.startswith(OUTSIDE_SCHEMES):
        scheme = value.split("://", 1)[0]
        raise QualcodeError(
            f"{path}: refused: {where}: {attribute_name} {value!r} points outside the file "
            f"({scheme}://); qualcode reads only the files inside a .qdpx"
        )
    if lowered.startswith(INTERNAL):
        return value[len(INTERNAL) :]
    if "://" in value:
        raise QualcodeError(
            f"{path}: refused: {where}: {attribute_name} {value!r} is not an internal:// path"
        )
    return value


def _read_member(archive: RefiZip, internal: str) -> tuple[str | None, str | None]:
    member = archive.source_member(internal)
    if member is None:
        return None, None
    return decode_text(archive.read(member))


def read_qdpx(path: Path) -> RefiProject:
    """Read a .qdpx: the project, with the plain text of its text sources and notes."""
    from qualcode.ingest.refi_zip import open_qdpx

    with open_qdpx(path) as archive:
        project = parse_qde(archive.qde(), path)
        for source in project.sources:
            plain = check_path(source.plain_path, source.where, path, "plainTextPath")
            rich = check_path(source.rich_path, source.where, path, "richTextPath")
            if rich is not None and plain is not None:
                source.notices.append(f"used its plain text; {rich} (rich text) was not read")
            if plain is not None:
                raw, warning = _read_member(archive, plain)
                if raw is None:
                    source.skipped = f"its text file {plain!r} is not in the archive"
                    continue
                source.raw = raw
                if warning:
                    project.warnings.append(f"{source.where}: {warning}")
            elif source.raw is None:
                source.skipped = (
                    f"it has only a rich-text file ({rich}); qualcode reads the plain text"
                    if rich
                    else "it has no text (neither plainTextPath nor PlainTextContent)"
                )
        for note in project.notes:
            if note.content is None:
                internal = check_path(note.plain_path, note.where, path, "plainTextPath")
                if internal is not None:
                    note.content, _warning = _read_member(archive, internal)
    return project

"""Write REFI-QDA XML: a codebook (``.qdc``) and a project (``.qdpx``: ``project.qde`` + sources).

Plain values in (see the dataclasses), bytes out; ``xml.etree.ElementTree`` builds the
documents (writing XML is safe; only reading needs defusedxml). Elements come in the order
the schemas demand (Users, CodeBook, Variables, Cases, Sources, Notes, Sets) and empty
containers are left out, so the output validates against Codebook.xsd and Project.xsd.
Namespace ``urn:QDA-XML:…:1.0``; GUIDs lower case; colours ``#RRGGBB``; times in UTC.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from qualcode.errors import QualcodeError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
QDE_NAME = "project.qde"
SOURCES = "sources"
# Characters XML 1.0 cannot carry (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHORT_COLOR = re.compile(r"^#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])$")
_LONG_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class XCode:
    guid: str
    name: str
    codable: bool
    color: str = ""
    description: str = ""  # already flattened (qdc_read.format_description)
    children: list[XCode] = field(default_factory=list)


@dataclass
class XSelection:
    guid: str
    name: str
    start: int
    end: int
    user: str | None
    created: datetime | None
    coding_guid: str | None = None  # None: a selection that only carries a note
    code: str | None = None
    coding_note: str | None = None
    note: str | None = None


@dataclass
class XSource:
    guid: str
    name: str
    text: str
    created: datetime | None
    selections: list[XSelection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class XNote:
    guid: str
    name: str
    user: str | None
    created: datetime | None
    text: str


@dataclass
class XCase:
    guid: str
    name: str
    values: list[tuple[str, str]] = field(default_factory=list)  # (variable GUID, text)
    sources: list[str] = field(default_factory=list)


@dataclass
class XSet:
    guid: str
    name: str
    description: str
    sources: list[str]


@dataclass
class XProject:
    name: str
    origin: str
    user: str | None
    created: datetime
    users: list[tuple[str, str]]  # (GUID, name)
    codes: list[XCode]
    variables: list[tuple[str, str]]  # (GUID, name), all Text
    cases: list[XCase]
    sources: list[XSource]
    notes: list[XNote]
    sets: list[XSet]


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)


def rgb(color: str) -> str:
    """``#RRGGBB`` (upper case) for ``#rgb``/``#rrggbb``; "" for anything else."""
    short = _SHORT_COLOR.match(color)
    if short:
        return "#" + "".join(c * 2 for c in short.groups()).upper()
    return color.upper() if _LONG_COLOR.match(color) else ""


def timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _element(parent: ET.Element | None, tag: str, **attributes: str | None) -> ET.Element:
    attrib = {k: xml_text(v) for k, v in attributes.items() if v is not None and v != ""}
    if parent is None:
        return ET.Element(tag, attrib)
    return ET.SubElement(parent, tag, attrib)


def _text_child(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = xml_text(text)


def _code(parent: ET.Element, code: XCode) -> None:
    element = _element(
        parent,
        "Code",
        guid=code.guid,
        name=code.name,
        isCodable="true" if code.codable else "false",
        color=rgb(code.color) or None,
    )
    if code.description:
        _text_child(element, "Description", code.description)
    for child in code.children:
        _code(element, child)


def _document(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def codebook_xml(codes: list[XCode], origin: str) -> bytes:
    """A .qdc document. There must be at least one code (the schema requires it)."""
    if not codes:
        raise QualcodeError("the codebook has no codes; nothing to export")
    root = _element(None, "CodeBook", xmlns=CODEBOOK_NS, origin=origin)
    codes_element = _element(root, "Codes")
    for code in codes:
        _code(codes_element, code)
    return _document(root)


def _selection(parent: ET.Element, selection: XSelection) -> None:
    element = _element(
        parent,
        "PlainTextSelection",
        guid=selection.guid,
        name=selection.name,
        startPosition=str(selection.start),
        endPosition=str(selection.end),
        creatingUser=selection.user,
        creationDateTime=timestamp(selection.created) if selection.created else None,
    )
    if selection.coding_guid is not None and selection.code is not None:
        coding = _element(
            element,
            "Coding",
            guid=selection.coding_guid,
            creatingUser=selection.user,
            creationDateTime=timestamp(selection.created) if selection.created else None,
        )
        _element(coding, "CodeRef", targetGUID=selection.code)
        if selection.coding_note:
            _element(coding, "NoteRef", targetGUID=selection.coding_note)
    if selection.note:
        _element(element, "NoteRef", targetGUID=selection.note)


def project_xml(project: XProject) -> bytes:
    """The ``project.qde`` document; sources point to ``internal://GUID.txt``."""
    root = _element(
        None,
        "Project",
        xmlns=PROJECT_NS,
        name=project.name,
        origin=project.origin,
        creatingUserGUID=project.user,
        creationDateTime=timestamp(project.created),
    )
    if project.users:
        users = _element(root, "Users")
        for guid, name in project.users:
            _element(users, "User", guid=guid, name=name)
    if project.codes:
        codes = _element(_element(root, "CodeBook"), "Codes")
        for code in project.codes:
            _code(codes, code)
    if project.variables:
        variables = _element(root, "Variables")
        for guid, name in project.variables:
            _element(variables, "Variable", guid=guid, name=name, typeOfVariable="Text")
    if project.cases:
        cases = _element(root, "Cases")
        for case in project.cases:
            element = _element(cases, "Case", guid=case.guid, name=case.name)
            for variable, value in case.values:
                holder = _element(element, "VariableValue")
                _element(holder, "VariableRef", targetGUID=variable)
                _text_child(holder, "TextValue", value)
            for source_guid in case.sources:
                _element(element, "SourceRef", targetGUID=source_guid)
    if project.sources:
        sources = _element(root, "Sources")
        for source in project.sources:
            element = _element(
                sources,
                "TextSource",
                guid=source.guid,
                name=source.name,
                plainTextPath=f"internal://{source.guid}.txt",
                creationDateTime=timestamp(source.created) if source.created else None,
            )
            for selection in source.selections:
                _selection(element, selection)
            for note_guid in source.notes:
                _element(element, "NoteRef", targetGUID=note_guid)
    if project.notes:
        notes = _element(root, "Notes")
        for note in project.notes:
            element = _element(
                notes,
                "Note",
                guid=note.guid,
                name=note.name,
                creatingUser=note.user,
                creationDateTime=timestamp(note.created) if note.created else None,
            )
            _text_child(element, "PlainTextContent", note.text)
    if project.sets:
        sets = _element(root, "Sets")
        for refi_set in project.sets:
            element = _element(sets, "Set", guid=refi_set.guid, name=refi_set.name)
            if refi_set.description:
                _text_child(element, "Description", refi_set.description)
            for source_guid in refi_set.sources:
                _element(element, "MemberSource", targetGUID=source_guid)
    return _document(root)


def qdpx_bytes(project: XProject) -> bytes:
    """The .qdpx archive: ``project.qde`` and ``sources/GUID.txt`` (UTF-8, no BOM)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(QDE_NAME, project_xml(project))
        for source in project.sources:
            archive.writestr(f"{SOURCES}/{source.guid}.txt", source.text.encode("utf-8"))
    return buffer.getvalue()



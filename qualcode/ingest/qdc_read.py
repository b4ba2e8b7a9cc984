"""Read a REFI-QDA codebook (``.qdc``) into a tree of QdcCode (the shape of a YAML codebook).

```xml
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="...">
  <Codes>
    <Code guid="..." name="Trust" isCodable="true" color="#1f77b4">
      <Description>...</Description>
      <Code .../>
    </Code>
  </Codes>
  <Sets>...</Sets>
</CodeBook>
```

Headless: no database and no services (``services.codebook_merge`` turns the tree into the
CodebookSpec of a YAML codebook). Parsed with defusedxml: a DTD, an entity or an external
reference is refused, never expanded. Elements are matched by their local name, so the
namespace variants seen in the wild (``codebook:1.0``, ``1:0``, ``0:4``, ``0:10``) all read.
GUIDs lose their braces and are lower-cased. Non-codable codes (``isCodable="false"``) are
folders in other tools: here they become themes or parent codes like any code with children.
Sets are not read (the project has no place for them).

:func:`parse_xml` (the defused parse) and :func:`parse_codes` (the ``<Code>`` tree) are shared
with ``qde_read``, the reader of whole projects, whose ``<CodeBook>`` has the same codes.

The standard has one text field per code, ``Description``; our REFI export flattens a code's
definition into it with :func:`format_description`, and :func:`parse_description` reads it
back (plain descriptions from other tools come back unchanged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)
COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MAX_DEPTH = 64  # nesting of codes; deeper is a broken or hostile file
MAX_BYTES = 50 * 1024 * 1024

# The labelled lines after the description, in this order: (label, field).
DESCRIPTION_LABELS = (("Include", "include"), ("Exclude", "exclude"), ("Example", "example"))
_LABEL = re.compile(r"^(Include|Exclude|Example):[ \t]?(.*)$", re.IGNORECASE)


@dataclass
class QdcCode:
    name: str
    where: str  # its place in the file, for messages: "Codes/Code[2] (Trust)/Code[1] (…)"
    guid: str | None = None  # lower case, without braces
    codable: bool = True
    color: str = ""  # lower case "#rrggbb" or "#rgb"
    description: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    children: list[QdcCode] = field(default_factory=list)
    renamed_from: str = ""  # the name in the file, when '/' had to be replaced (rename_slashes)


@dataclass
class QdcCodebook:
    origin: str
    codes: list[QdcCode]


def format_description(description: str, include: str, exclude: str, example: str) -> str:
    """One ``Description`` text: the description, then ``Include: …`` lines and so on.

    ``parse_description(format_description(d, i, x, e)) == (d, i, x, e)`` for stripped
    values, as long as the description has no line of its own starting with such a label.
    """
    values = {"include": include, "exclude": exclude, "example": example}
    labelled = [
        f"{label}: {values[key].strip()}"
        for label, key in DESCRIPTION_LABELS
        if values[key].strip()
    ]
    parts = [description.strip(), "\n".join(labelled)]
    return "\n\n".join(part for part in parts if part)


def parse_description(text: str) -> tuple[str, str, str, str]:
    """``(description, include, exclude, example)`` from a ``Description`` text.

    The first line starting with ``Include:``, ``Exclude:`` or ``Example:`` (any case) begins
    the labelled part; each later label, in that order, begins the next field; any other line
    continues the field before it. Text without labels is all description.
    """
    order = [key for _label, key in DESCRIPTION_LABELS]
    fields: dict[str, list[str]] = {"description": []}
    current = "description"
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _LABEL.match(line.strip())
        if match:
            key = match.group(1).lower()
            later = current == "description" or order.index(key) > order.index(current)
            if later and key not in fields:
                current = key
                fields[current] = [match.group(2)]
                continue
        fields[current].append(line)
    result = {key: "\n".join(lines).strip() for key, lines in fields.items()}
    return (
        result["description"],
        result.get("include", ""),
        result.get("exclude", ""),
        result.get("example", ""),
    )


def local_name(tag: object) -> str:
    """An element's name without its namespace (``{urn:QDA-XML:codebook:1:0}Code`` → ``Code``)."""
    name = tag if isinstance(tag, str) else ""
    return name.rsplit("}", 1)[-1]


def children_named(element: Element, name: str) -> list[Element]:
    """The element's children with that local name, in document order."""
    return [child for child in element if local_name(child.tag) == name]


def attribute(element: Element, name: str) -> str:
    """An attribute by its local name (writers differ in whether they qualify attributes)."""
    for key, value in element.attrib.items():
        if local_name(key) == name:
            return value.strip()
    return ""


SLASH_REPLACEMENT = "-"


def _parse_code(
    element: Element, where: str, path: Path, depth: int, rename_slashes: bool = False
) -> QdcCode:
    if depth > MAX_DEPTH:
        raise QualcodeError(f"{path}: {where}: codes are nested more than {MAX_DEPTH} deep")
    name = " ".join(attribute(element, "name").split())
    if not name:
        raise QualcodeError(f"{path}: {where}: a Code has no name")
    renamed_from = ""
    if "/" in name:
        if not rename_slashes:
            raise QualcodeError(
                f"{path}: {where}: code name {name!r} contains '/', which separates path parts "
                "in qualcode; rename it in the other tool (or in the file) and try again"
            )
        renamed_from, name = name, name.replace("/", SLASH_REPLACEMENT)
    where = f"{where} ({name})"
    spec = QdcCode(name=name, where=where, renamed_from=renamed_from)
    guid = attribute(element, "guid")
    if guid:
        if not GUID.match(guid):
            raise QualcodeError(f"{path}: {where}: guid {guid!r} is not a GUID")
        spec.guid = guid.strip("{}").lower()
    codable = attribute(element, "isCodable").lower()
    if codable not in ("", "true", "false", "1", "0"):
        raise QualcodeError(f"{path}: {where}: isCodable {codable!r} is not true or false")
    spec.codable = codable not in ("false", "0")
    color = attribute(element, "color")
    if color:
        if not COLOR.match(color):
            raise QualcodeError(f"{path}: {where}: color {color!r} is not like '#1f77b4'")
        spec.color = color.lower()
    descriptions = children_named(element, "Description")
    if descriptions:
        text = "".join(descriptions[0].itertext())
        spec.description, spec.include, spec.exclude, spec.example = parse_description(text)
    spec.children = [
        _parse_code(child, f"{where}/Code[{i}]", path, depth + 1, rename_slashes)
        for i, child in enumerate(children_named(element, "Code"), start=1)
    ]
    return spec


def parse_codes(
    codes_element: Element, path: Path, *, rename_slashes: bool = False
) -> list[QdcCode]:
    """The tree of ``<Code>`` elements under a ``<Codes>`` element (of a .qdc or a .qde).

    GUIDs must be unique. A name with ``/`` is refused, or with ``rename_slashes`` has each
    ``/`` replaced by ``-`` (the original name is kept in ``renamed_from``).
    """
    codes = [
        _parse_code(element, f"Codes/Code[{i}]", path, 1, rename_slashes)
        for i, element in enumerate(children_named(codes_element, "Code"), start=1)
    ]
    _check_guids(codes, path)
    return codes


def parse_xml(data: bytes, path: Path, what: str) -> Element:
    """Parse ``data`` with defusedxml: a DTD, an entity or an external reference is refused.

    ``what`` names the expected kind of file in the message about malformed XML.
    """
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root: Element = fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise QualcodeError(
            f"{path}: refused: the file declares a DTD or entities ({type(exc).__name__}); "
            f"a {what} has neither, so it is not read"
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise QualcodeError(
            f"{path}: line {line}, column {column + 1}: not well-formed XML; is it a {what}?"
        ) from None
    return root


def parse_qdc(data: bytes, path: Path) -> QdcCodebook:
    """The codebook in ``data`` (the bytes of a .qdc file; ``path`` names it in errors)."""
    root = parse_xml(data, path, "REFI-QDA codebook (.qdc)")
    if local_name(root.tag) != "CodeBook":
        raise QualcodeError(
            f"{path}: not a REFI-QDA codebook: the root element is <{local_name(root.tag)}>, "
            "not <CodeBook>"
        )
    codes_elements = children_named(root, "Codes")
    if len(codes_elements) != 1:
        raise QualcodeError(f"{path}: not a REFI-QDA codebook: expected one <Codes> element")
    codes = parse_codes(codes_elements[0], path)
    return QdcCodebook(origin=attribute(root, "origin"), codes=codes)


def _check_guids(codes: list[QdcCode], path: Path) -> None:
    seen: dict[str, str] = {}
    stack = list(reversed(codes))  # depth first, in document order
    while stack:
        code = stack.pop()
        if code.guid:
            if code.guid in seen:
                raise QualcodeError(
                    f"{path}: {code.where}: guid {code.guid} is also used by {seen[code.guid]}"
                )
            seen[code.guid] = code.where
        stack.extend(reversed(code.children))


def read_qdc(path: Path) -> QdcCodebook:
    """Read a .qdc file; any problem is a QualcodeError naming the file."""
    from qualcode.ingest.decoding import read_bytes

    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_bytes reports the missing or unreadable file
    if size > MAX_BYTES:
        raise QualcodeError(
            f"{path}: {size // (1024 * 1024)} MB is too large for a codebook "
            f"(the limit is {MAX_BYTES // (1024 * 1024)} MB)"
        )
    data = read_bytes(path)
    if not data.strip():
        raise QualcodeError(f"{path}: the file is empty")
    return parse_qdc(data, path)

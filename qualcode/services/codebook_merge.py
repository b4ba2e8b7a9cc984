"""Merge another codebook (YAML or REFI-QDA .qdc) into the project's, for the lead.

Each code of the file is matched to a project code by GUID (a merged code stands for the code
it was merged into), else by its path under its matched parent (case-insensitive), else it is
new. Nothing is ever overwritten or renamed: where both sides define a field differently, or a
matched code has another name or parent, the difference is listed as a conflict for the lead.
Empty fields of the project's codes are filled from the file, and new codes are added (active,
with the file's GUID); each change is a codebook event with the rationale "merged from FILE".
A shortcut of the file that is a command key of the coding screen, or that an active or
proposed code already has, is not taken: it is listed as a conflict (``qualcode.shortcuts``).
The caller runs it in one transaction; a second run of the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.audit import audit
from qualcode.services.codebook import code_from_spec
from qualcode.services.codebook_changes import LIVE, require_lead
from qualcode.services.codebook_events import record, snapshot
from qualcode.services.codebook_file import (
    TEXT_FIELDS,
    CodebookSpec,
    CodeSpec,
    check_unique,
    read_codebook,
)
from qualcode.services.lookup import CodeIndex, merge_target
from qualcode.shortcuts import check_shortcut, held_shortcuts
from qualcode.store.models import Code

CONFLICT_COLUMNS = ("code", "field", "ours", "theirs")
MERGED_FIELDS = (*TEXT_FIELDS, "color", "shortcut")
TOP_LEVEL = "(top level)"


@dataclass(frozen=True)
class Conflict:
    code: str  # the project's path of the code (or of the new code the row is about)
    field: str  # a definition field, or name, parent, status
    ours: str
    theirs: str

    def row(self) -> tuple[str, str, str, str]:
        return (self.code, self.field, self.ours, self.theirs)


@dataclass
class MergeReport:
    source: str
    matched: list[str] = field(default_factory=list)  # project paths
    followed: list[tuple[str, str]] = field(default_factory=list)  # (merged code, its target)
    added: list[str] = field(default_factory=list)
    filled: list[tuple[str, list[str]]] = field(default_factory=list)  # (path, fields)
    conflicts: list[Conflict] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"matched {len(self.matched)}, added {len(self.added)}, "
            f"filled {len(self.filled)}, conflicts {len(self.conflicts)}"
        )


def _spec_from_qdc(path: Path) -> CodebookSpec:
    from qualcode.ingest.qdc_read import QdcCode, read_qdc

    qdc = read_qdc(path)

    def convert(code: QdcCode) -> CodeSpec:
        return CodeSpec(
            name=code.name,
            where=code.where,
            description=code.description,
            include=code.include,
            exclude=code.exclude,
            example=code.example,
            color=code.color,
            guid=code.guid,
            children=[convert(child) for child in code.children],
        )

    book = CodebookSpec(name=path.stem, description="", codes=[convert(c) for c in qdc.codes])
    check_unique(book, path)
    return book


def _looks_like_xml(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            head = stream.read(512)
    except OSError:
        return False  # the reader reports it
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read_codebook_file(path: Path) -> CodebookSpec:
    """A YAML codebook (``.yaml``/``.yml``) or a REFI-QDA one (``.qdc``, or XML content)."""
    suffix = path.suffix.lower()
    if suffix in (".qdc", ".xml") or (suffix not in (".yaml", ".yml") and _looks_like_xml(path)):
        return _spec_from_qdc(path)
    return read_codebook(path)


def _norm(field_name: str, value: str | None) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    return text.lower() if field_name == "color" else text


class _Merger:
    def __init__(self, session: Session, actor: str, source: str) -> None:
        self.session = session
        self.actor = actor
        self.rationale = f"merged from {source}"
        self.lead = require_lead(session, actor, "merge-file")
        self.index = CodeIndex.load(session)
        self.codes: dict[int, Code] = dict(self.index.by_id)
        self.paths: dict[int, str] = dict(self.index.paths)
        self.by_guid = {code.guid.lower(): code for code in self.codes.values()}
        self.children: dict[tuple[int | None, str], Code] = {}
        for code in self.codes.values():
            key = (code.parent_id, code.name.casefold())
            known = self.children.get(key)
            if known is None or (known.status not in LIVE and code.status in LIVE):
                self.children[key] = code
        self.positions: dict[int | None, int] = {}
        for code in self.codes.values():
            self.positions[code.parent_id] = max(
                self.positions.get(code.parent_id, -1), code.position
            )
        self.shortcuts = held_shortcuts(self.index.code_keys())  # key -> path of its code
        self.report = MergeReport(source)

    # -- matching ---------------------------------------------------------------------------

    def _follow(self, code: Code) -> tuple[Code, bool]:
        """The live code a merged code now stands for; True when a merge was followed."""
        current = merge_target(code, self.codes)
        return current, current is not code

    def _match(self, spec: CodeSpec, parent: Code | None) -> Code | None:
        """By GUID, else by name under the parent the file's parent was matched to."""
        if spec.guid and spec.guid in self.by_guid:
            return self.by_guid[spec.guid]
        parent_id = parent.id if parent is not None else None
        return self.children.get((parent_id, spec.name.casefold()))

    # -- changes ----------------------------------------------------------------------------

    def _conflict(self, code: Code, field_name: str, ours: str, theirs: str) -> None:
        self.report.conflicts.append(Conflict(self.paths[code.id], field_name, ours, theirs))

    def _shortcut_problem(self, shortcut: str) -> str | None:
        """Why the file's ``shortcut`` cannot be taken, as the conflict's "ours"; or None."""
        problem = check_shortcut(shortcut, self.shortcuts)
        return f"(none: {problem})" if problem is not None else None

    def _parent_label(self, code: Code | None) -> str:
        return self.paths[code.id] if code is not None else TOP_LEVEL

    def _compare(self, code: Code, spec: CodeSpec, spec_path: str, parent: Code | None) -> None:
        if code.name != spec.name:
            self._conflict(code, "name", code.name, spec.name)
        if code.parent_id != (parent.id if parent is not None else None):
            ours = self._parent_label(self.codes.get(code.parent_id or -1))
            theirs = spec_path.rsplit("/", 1)[0] if "/" in spec_path else TOP_LEVEL
            self._conflict(code, "parent", ours, theirs)
        if code.status not in LIVE:
            self._conflict(code, "status", code.status, "in the file")
        fills: dict[str, str] = {}
        for name in MERGED_FIELDS:
            ours, theirs = _norm(name, getattr(code, name)), _norm(name, getattr(spec, name))
            if not theirs or ours == theirs:
                continue
            if ours:
                self._conflict(code, name, getattr(code, name), getattr(spec, name))
                continue
            if name == "shortcut":
                if code.status not in LIVE:
                    continue  # a retired code holds no shortcut (its status is a conflict)
                refused = self._shortcut_problem(theirs)
                if refused is not None:
                    self._conflict(code, name, refused, theirs)
                    continue
            fills[name] = getattr(spec, name).strip()
        if fills:
            before = snapshot(self.session, code)
            for name, value in fills.items():
                setattr(code, name, value)
            if fills.get("shortcut"):
                self.shortcuts[fills["shortcut"]] = self.paths[code.id]
            self.session.flush()
            record(
                self.session,
                self.actor,
                "edit",
                code,
                before,
                snapshot(self.session, code),
                self.rationale,
            )
            self.report.filled.append((self.paths[code.id], sorted(fills)))

    def _add(self, spec: CodeSpec, parent: Code | None) -> Code:
        parent_id = parent.id if parent is not None else None
        position = self.positions.get(parent_id, -1) + 1
        self.positions[parent_id] = position
        shortcut = spec.shortcut
        refused = self._shortcut_problem(shortcut)
        code = code_from_spec(spec, parent_id, position, "" if refused is not None else shortcut)
        code.created_by_id = self.lead.id
        if spec.guid and spec.guid not in self.by_guid:
            code.guid = spec.guid
        self.session.add(code)
        self.session.flush()
        self.codes[code.id] = code
        self.paths[code.id] = f"{self.paths[parent.id]}/{code.name}" if parent else code.name
        self.by_guid[code.guid.lower()] = code
        self.children[(parent_id, code.name.casefold())] = code
        if code.shortcut:
            self.shortcuts[code.shortcut] = self.paths[code.id]
        if refused is not None:
            self._conflict(code, "shortcut", refused, shortcut)
        record(
            self.session,
            self.actor,
            "create",
            code,
            None,
            snapshot(self.session, code),
            self.rationale,
        )
        self.report.added.append(self.paths[code.id])
        return code

    def merge(self, book: CodebookSpec) -> MergeReport:
        placed: dict[int, Code | None] = {}  # id(spec) -> the project's code (None: not placed)
        for spec, spec_path, parent_spec in book.walk():
            parent = placed[id(parent_spec)] if parent_spec is not None else None
            if parent_spec is not None and parent is None:
                placed[id(spec)] = None  # its parent was not added: neither is it
                continue
            found = self._match(spec, parent)
            if found is not None:
                target, followed = self._follow(found)
                placed[id(spec)] = target
                self.report.matched.append(self.paths[target.id])
                if followed:
                    self.report.followed.append((self.paths[found.id], self.paths[target.id]))
                else:
                    self._compare(target, spec, spec_path, parent)
                continue
            if parent is not None and parent.status not in LIVE:
                placed[id(spec)] = None
                self.report.conflicts.append(
                    Conflict(
                        f"{self.paths[parent.id]}/{spec.name}",
                        "status",
                        f"not added: {self.paths[parent.id]} is {parent.status}",
                        "new code",
                    )
                )
                continue
            placed[id(spec)] = self._add(spec, parent)
        return self.report


def merge_codebook(session: Session, book: CodebookSpec, actor: str, source: str) -> MergeReport:
    """Merge ``book`` (read from ``source``) into the project; the actor must be the lead."""
    if not book.codes:
        raise QualcodeError(f"{source}: the codebook has no codes")
    report = _Merger(session, actor, source).merge(book)
    audit(session, "merge codebook", source, f"{len(report.added)} added")
    return report

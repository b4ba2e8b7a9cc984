"""Codebook use cases: import a YAML codebook, list codes, export the codebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.services import codebook_events
from qualcode.services.audit import audit
from qualcode.services.codebook_file import TEXT_FIELDS, CodebookSpec, CodeSpec, dump_yaml
from qualcode.services.lookup import CodeIndex
from qualcode.shortcuts import check_shortcut, held_shortcuts
from qualcode.store.models import Code, Coding, ProjectInfo

LIST_COLUMNS = (
    "name",
    "path",
    "status",
    "kind",
    "shortcut",
    "codings",
    "description",
    "include",
    "exclude",
    "example",
    "color",
    "guid",
)


@dataclass
class CodebookImport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    # one line per new code whose shortcut was not stored: "PATH: why"
    shortcuts_dropped: list[str] = field(default_factory=list)


def _differences(code: Code, spec: CodeSpec) -> list[str]:
    fields = [*TEXT_FIELDS, "color", "shortcut"]
    return [f for f in fields if getattr(spec, f) and getattr(spec, f) != getattr(code, f)]


def code_from_spec(spec: CodeSpec, parent_id: int | None, position: int, shortcut: str) -> Code:
    """A new active code with the definition a codebook file gives it (not yet added)."""
    return Code(
        name=spec.name,
        parent_id=parent_id,
        position=position,
        kind=spec.kind or "descriptive",
        status="active",
        description=spec.description,
        include=spec.include,
        exclude=spec.exclude,
        example=spec.example,
        color=spec.color,
        shortcut=shortcut,
    )


def import_codebook(session: Session, book: CodebookSpec, actor: str) -> CodebookImport:
    """Add the file's codes to the project (one transaction, by the caller).

    Codes already present (same GUID, else same path) are kept as they are; where the file's
    definition differs, the code is listed as a conflict for the lead — never overwritten.
    A new code's shortcut that is a command key of the coding screen, or that an active or
    proposed code already has (in the project or earlier in the file), is not stored; the
    report says which and why (``qualcode.shortcuts``).
    """
    index = CodeIndex.load(session)
    by_guid = {code.guid: code for code in index.by_id.values()}
    by_path = {path.casefold(): index.by_id[cid] for cid, path in index.paths.items()}
    used_shortcuts = held_shortcuts(index.code_keys())
    report = CodebookImport()
    placed: dict[int, Code] = {}  # id(spec) -> code
    positions: dict[int | None, int] = {}
    for code in index.by_id.values():
        positions[code.parent_id] = max(positions.get(code.parent_id, -1), code.position)

    for spec, path, parent in book.walk():
        existing = by_guid.get(spec.guid or "") or by_path.get(path.casefold())
        if existing is not None:
            placed[id(spec)] = existing
            diffs = _differences(existing, spec)
            if diffs:
                report.conflicts.append(f"{path}: {', '.join(diffs)} differ(s) from the project")
            else:
                report.unchanged.append(path)
            continue
        shortcut = spec.shortcut
        problem = check_shortcut(shortcut, used_shortcuts)
        if problem is not None:
            report.shortcuts_dropped.append(f"{path}: {problem}")
            shortcut = ""
        parent_code = placed[id(parent)] if parent is not None else None
        parent_id = parent_code.id if parent_code is not None else None
        position = positions.get(parent_id, -1) + 1
        positions[parent_id] = position
        code = code_from_spec(spec, parent_id, position, shortcut)
        if spec.guid:
            code.guid = spec.guid
        session.add(code)
        session.flush()
        if shortcut:
            used_shortcuts[shortcut] = path
        placed[id(spec)] = code
        codebook_events.record(
            session,
            actor,
            "create",
            code,
            None,
            codebook_events.snapshot(session, code),
            f"imported from codebook {book.name!r}",
        )
        report.added.append(path)
    if book.name and session.get(ProjectInfo, "codebook_name") is None:
        session.add(ProjectInfo(key="codebook_name", value=book.name))
        session.add(ProjectInfo(key="codebook_description", value=book.description))
    if report.added:
        audit(session, "import codebook", book.name, f"{len(report.added)} code(s) added")
    return report


def codebook_rows(session: Session, include_inactive: bool = True) -> list[tuple[Any, ...]]:
    """One row per code in codebook order, with the columns of LIST_COLUMNS."""
    index = CodeIndex.load(session)
    counts = dict(
        session.execute(select(Coding.code_id, func.count()).group_by(Coding.code_id)).all()
    )
    rows = []
    for code in index.ordered():
        if not include_inactive and code.status in ("merged", "retired"):
            continue
        rows.append(
            (
                code.name,
                index.path(code),
                code.status,
                code.kind,
                code.shortcut,
                counts.get(code.id, 0),
                code.description,
                code.include,
                code.exclude,
                code.example,
                code.color,
                code.guid,
            )
        )
    return rows


def codebook_tree(session: Session) -> list[dict[str, Any]]:
    """The codebook as nested dicts in the YAML format (active and proposed codes)."""
    index = CodeIndex.load(session)
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for code in index.ordered():
        if code.status in ("merged", "retired"):
            continue
        node: dict[str, Any] = {"name": code.name}
        for key in (*TEXT_FIELDS, "color", "shortcut"):
            if getattr(code, key):
                node[key] = getattr(code, key)
        if code.kind != "descriptive":
            node["kind"] = code.kind
        if code.status != "active":
            node["status"] = code.status
        node["guid"] = code.guid
        nodes[code.id] = node
        parent = nodes.get(code.parent_id) if code.parent_id is not None else None
        if parent is not None:
            parent.setdefault("children", []).append(node)
        elif code.parent_id is None:
            roots.append(node)
    return roots


def export_yaml(session: Session) -> str:
    name = session.get(ProjectInfo, "codebook_name")
    description = session.get(ProjectInfo, "codebook_description")
    return dump_yaml(
        name.value if name else "codebook",
        description.value if description else "",
        codebook_tree(session),
    )


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def export_markdown(session: Session) -> str:
    """The codebook for a paper appendix: one table per theme."""
    index = CodeIndex.load(session)
    name = session.get(ProjectInfo, "codebook_name")
    lines = [f"# {name.value if name else 'Codebook'}", ""]
    for code in index.ordered():
        if code.status in ("merged", "retired"):
            continue
        if code.parent_id is None:
            lines += ["", f"## {code.name}", ""]
            if code.description:
                lines += [code.description, ""]
            lines += [
                "| Code | Description | Include | Exclude | Example |",
                "|---|---|---|---|---|",
            ]
            continue
        label = "/".join(index.path(code).split("/")[1:])
        cells = [label, code.description, code.include, code.exclude, code.example]
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines).strip() + "\n"

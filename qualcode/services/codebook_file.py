"""The YAML codebook format: read into a tree of CodeSpec, write from the project's codes.

```yaml
name: AML barriers
codes:
  - name: Risk assessment
    description: ...
    children:
      - name: Never seen an attack
        description: ...
        include: ...
        exclude: ...
        example: ...
        color: "#d62728"
        shortcut: "5"
```
Optional ``guid`` keys keep a code's identity across export and import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.shortcuts import key_problem

TEXT_FIELDS = ("description", "include", "exclude", "example")
ALLOWED_KEYS = {"name", "guid", "color", "shortcut", "children", "status", "kind", *TEXT_FIELDS}
KINDS = ("descriptive", "inductive")
COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)


@dataclass
class CodeSpec:
    name: str
    where: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    color: str = ""
    shortcut: str = ""
    guid: str | None = None
    kind: str = ""
    children: list[CodeSpec] = field(default_factory=list)


@dataclass
class CodebookSpec:
    name: str
    description: str
    codes: list[CodeSpec]

    def walk(self) -> list[tuple[CodeSpec, str, CodeSpec | None]]:
        """Every code with its path and parent, depth first."""
        out: list[tuple[CodeSpec, str, CodeSpec | None]] = []

        def visit(specs: list[CodeSpec], prefix: str, parent: CodeSpec | None) -> None:
            for spec in specs:
                path = f"{prefix}/{spec.name}" if prefix else spec.name
                out.append((spec, path, parent))
                visit(spec.children, path, spec)

        visit(self.codes, "", None)
        return out


def _text(value: Any, where: str, key: str, path: Path) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    raise QualcodeError(f"{path}: {where}: '{key}' must be text, not a {type(value).__name__}")


def _parse_code(raw: Any, where: str, path: Path, depth: int = 1) -> CodeSpec:
    if not isinstance(raw, dict):
        raise QualcodeError(f"{path}: {where}: each code must be a mapping with at least 'name'")
    unknown = set(raw) - ALLOWED_KEYS
    if unknown:
        raise QualcodeError(
            f"{path}: {where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(sorted(ALLOWED_KEYS))}"
        )
    name = _text(raw.get("name"), where, "name", path)
    if not name:
        raise QualcodeError(f"{path}: {where}: a code has no 'name'")
    if "/" in name:
        raise QualcodeError(
            f"{path}: {where}: code name {name!r} contains '/', which separates path "
            "parts; use another character"
        )
    where = f"{where} ({name})"
    spec = CodeSpec(name=name, where=where)
    for key in TEXT_FIELDS:
        setattr(spec, key, _text(raw.get(key), where, key, path))
    spec.color = _text(raw.get("color"), where, "color", path)
    if spec.color and not COLOR.match(spec.color):
        raise QualcodeError(f"{path}: {where}: color {spec.color!r} is not like '#1f77b4'")
    spec.shortcut = _text(raw.get("shortcut"), where, "shortcut", path)
    problem = key_problem(spec.shortcut)
    if problem is not None:
        raise QualcodeError(f"{path}: {where}: {problem}")
    guid = _text(raw.get("guid"), where, "guid", path)
    if guid:
        if not GUID.match(guid):
            raise QualcodeError(f"{path}: {where}: guid {guid!r} is not a GUID")
        spec.guid = guid.strip("{}").lower()
    spec.kind = _text(raw.get("kind"), where, "kind", path)
    if spec.kind and spec.kind not in KINDS:
        raise QualcodeError(f"{path}: {where}: kind {spec.kind!r} is not one of {', '.join(KINDS)}")
    children = raw.get("children") or []
    if not isinstance(children, list):
        raise QualcodeError(f"{path}: {where}: 'children' must be a list of codes")
    if children and depth >= MAX_DEPTH:
        raise QualcodeError(
            f"{path}: {where}: codes nested more than {MAX_DEPTH} levels deep; flatten the tree"
        )
    spec.children = [
        _parse_code(child, f"{where}.children[{i}]", path, depth + 1)
        for i, child in enumerate(children)
    ]
    return spec


MAX_DEPTH = 50  # levels of children: a real codebook has a handful


def _load_yaml(text: str, path: Path) -> Any:
    """``yaml.safe_load`` without aliases (``*name``) and without Python's recursion limit.

    An alias can make a structure that contains itself (``codes: &c [{children: *c}]``) or
    that repeats a part exponentially often (the "billion laughs"); a codebook needs
    neither, so any alias is refused. Nesting so deep that the parser runs out of stack
    is refused too.
    """
    import yaml

    class _NoAliases(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise QualcodeError(
                    f"{path}: line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) "
                    "are not allowed in a codebook; write the codes out"
                )
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=_NoAliases)  # a SafeLoader subclass: safe
    except RecursionError:
        raise QualcodeError(
            f"{path}: the YAML is nested too deeply to read; a codebook needs a few levels"
        ) from None


def parse_codebook(text: str, path: Path) -> CodebookSpec:
    import yaml

    try:
        data = _load_yaml(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise QualcodeError(f"{path}: {line}{problem}; fix the YAML syntax") from exc
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        raise QualcodeError(f"{path}: not a codebook: expected a mapping with a 'codes:' list")
    codes = [_parse_code(raw, f"codes[{i}]", path) for i, raw in enumerate(data["codes"])]
    book = CodebookSpec(
        name=_text(data.get("name"), "top level", "name", path) or path.stem,
        description=_text(data.get("description"), "top level", "description", path),
        codes=codes,
    )
    check_unique(book, path)
    return book


def check_unique(book: CodebookSpec, path: Path) -> None:
    """Refuse a codebook where a path or a GUID appears twice.

    A shortcut used twice is no reason to refuse the file: importing or merging it leaves the
    later code without the key and reports it (``qualcode.shortcuts``).
    """
    paths: dict[str, str] = {}
    guids: dict[str, str] = {}
    for spec, code_path, _parent in book.walk():
        key = code_path.casefold()
        if key in paths:
            raise QualcodeError(f"{path}: {spec.where}: the code {code_path!r} appears twice")
        paths[key] = code_path
        if spec.guid:
            if spec.guid in guids:
                raise QualcodeError(f"{path}: {spec.where}: guid also used by {guids[spec.guid]!r}")
            guids[spec.guid] = code_path


def read_codebook(path: Path) -> CodebookSpec:
    from qualcode.ingest.decoding import read_text

    text, _warnings = read_text(path)
    return parse_codebook(text, path)


def dump_yaml(name: str, description: str, tree: list[dict[str, Any]]) -> str:
    import yaml

    document: dict[str, Any] = {"name": name}
    if description:
        document["description"] = description
    document["codes"] = tree
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)

"""Find coders, transcripts, segments and codes by the names users type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.shortcuts import CodeKey
from qualcode.store.models import Code, Coder, Segment, Transcript

CONSENSUS = "consensus"  # the special coder holding the lead's consensus codings
RESERVED_CONSENSUS = (
    "'consensus' is a reserved coder: only the lead's consensus commands (qualcode consensus "
    "…, the agreement screen) create its codings"
)


def get_coder(session: Session, name: str) -> Coder | None:
    return session.scalar(select(Coder).where(Coder.name == name))


def ensure_coder(session: Session, name: str, role: str = "coder") -> Coder:
    """The coder of that name, created with ``role`` if unknown."""
    name = name.strip()
    if not name:
        raise QualcodeError("coder name is empty; give --coder NAME")
    coder = get_coder(session, name)
    if coder is None:
        coder = Coder(name=name, role=role)
        session.add(coder)
        session.flush()
    return coder


def require_lead(session: Session, actor: str, what: str) -> Coder:
    """The acting coder, who must have the lead role; ``what`` names the refused action."""
    coder = get_coder(session, actor)
    if coder is None or coder.role != "lead":
        raise QualcodeError(f"{what}: needs the lead role ({actor} is not the project's lead)")
    return coder


def require_coder(session: Session, name: str) -> Coder:
    coder = get_coder(session, name)
    if coder is None:
        known = ", ".join(session.scalars(select(Coder.name).order_by(Coder.name))) or "none"
        raise QualcodeError(f"no coder named {name!r}; the coders are: {known}")
    return coder


def get_transcript(session: Session, name: str) -> Transcript:
    transcript = session.scalar(select(Transcript).where(Transcript.name == name))
    if transcript is None:
        raise QualcodeError(f"no transcript named {name!r}; 'qualcode transcripts' lists them")
    return transcript


def get_segment(session: Session, transcript: Transcript, ordinal: int) -> Segment:
    segment = session.scalar(
        select(Segment).where(Segment.transcript_id == transcript.id, Segment.ordinal == ordinal)
    )
    if segment is None:
        count = session.query(Segment).filter(Segment.transcript_id == transcript.id).count()
        raise QualcodeError(
            f"transcript {transcript.name!r} has no segment {ordinal}; it has segments 1–{count}"
        )
    return segment


def merge_target(code: Code, by_id: Mapping[int, Code]) -> Code:
    """The code ``code`` stands for now: a merged code leads to the code it was merged into."""
    seen: set[int] = set()
    while (
        code.status == "merged"
        and code.merged_into_id is not None
        and code.merged_into_id in by_id
        and code.id not in seen
    ):
        seen.add(code.id)
        code = by_id[code.merged_into_id]
    return code


class CodeIndex:
    """Resolve a code by its unique name or by its path ``Theme/Code`` (case-insensitive)."""

    def __init__(self, codes: Iterable[Code]) -> None:
        self.by_id = {code.id: code for code in codes}
        self.paths: dict[int, str] = {}
        for code_id in self.by_id:
            self.paths[code_id] = self._path(code_id)
        self._by_path = {path.casefold(): cid for cid, path in self.paths.items()}
        self._by_name: dict[str, list[int]] = {}
        for code in self.by_id.values():
            self._by_name.setdefault(code.name.casefold(), []).append(code.id)

    @classmethod
    def load(cls, session: Session) -> CodeIndex:
        return cls(session.scalars(select(Code)))

    def _path(self, code_id: int) -> str:
        parts: list[str] = []
        seen: set[int] = set()
        current: int | None = code_id
        while current is not None and current not in seen:
            seen.add(current)
            code = self.by_id[current]
            parts.append(code.name)
            current = code.parent_id
        return "/".join(reversed(parts))

    def path(self, code: Code) -> str:
        return self.paths[code.id]

    def label(self, code: Code) -> str:
        """The code's name where it is unique, else its path: always resolvable."""
        if len(self._by_name.get(code.name.casefold(), [])) > 1:
            return self.paths[code.id]
        return code.name

    def find(self, ref: str) -> Code | None:
        key = ref.strip().strip("/").casefold()
        if key in self._by_path:
            return self.by_id[self._by_path[key]]
        ids = self._by_name.get(key, [])
        if len(ids) > 1:
            options = ", ".join(sorted(self.paths[i] for i in ids))
            raise QualcodeError(f"code {ref!r} is ambiguous; use its path: {options}")
        return self.by_id[ids[0]] if ids else None

    def resolve(self, ref: str) -> Code:
        code = self.find(ref)
        if code is None:
            raise QualcodeError(f"no code named {ref!r}; 'qualcode codebook list' shows the codes")
        return code

    def target(self, code: Code) -> Code:
        """See :func:`merge_target`."""
        return merge_target(code, self.by_id)

    def theme(self, code: Code) -> Code:
        current = code
        while current.parent_id is not None:
            current = self.by_id[current.parent_id]
        return current

    def code_keys(self, skip: Code | None = None) -> list[CodeKey]:
        """The codes (but ``skip``) as the shortcut rule sees them, in codebook order."""
        return [
            CodeKey(self.paths[c.id], c.shortcut, c.status) for c in self.ordered() if c is not skip
        ]

    def ordered(self) -> list[Code]:
        """All codes in codebook order: depth first, by position then name."""
        children: dict[int | None, list[Code]] = {}
        for code in self.by_id.values():
            children.setdefault(code.parent_id, []).append(code)
        for siblings in children.values():
            siblings.sort(key=lambda c: (c.position, c.name.casefold()))
        result: list[Code] = []

        def walk(parent: int | None) -> None:
            for child in children.get(parent, []):
                result.append(child)
                walk(child.id)

        walk(None)
        return result

    def depth(self, code: Code) -> int:
        return self.paths[code.id].count("/")

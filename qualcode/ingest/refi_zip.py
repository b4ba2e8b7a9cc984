"""Read a REFI-QDA project file (``.qdpx``, a zip) safely: names checked, members in memory.

A .qdpx from a colleague is untrusted input. Before anything is read:

* at most :data:`MAX_MEMBERS` members;
* every member name is checked: none may contain ``..``, start with ``/`` or a drive letter,
  contain a backslash or a NUL, or appear twice;
* exactly one ``*.qde`` file (any name: ATLAS.ti names it after the project); the sources are
  looked up in the ``sources/`` folder beside it (any case: some writers use ``Sources/``).

No member over :data:`RATIO_FLOOR_BYTES` may expand more than :data:`MAX_RATIO`:1 (a zip bomb
expands by thousands; text compresses about 3:1, media hardly at all). Members are read only
when asked for, into memory (never extracted to disk), and only while the data read stays
under :data:`MAX_TOTAL_BYTES` (media the import skips, however big, are never read).
``zipfile`` never returns more than a member's declared size, and data that does not match
its CRC is an error. Each refusal is a QualcodeError naming the file. Headless: no database.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from qualcode.errors import QualcodeError

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed, of the members actually read
MAX_RATIO = 100  # uncompressed : compressed, per member
RATIO_FLOOR_BYTES = 1024 * 1024  # smaller members are not checked for their ratio
SOURCES_FOLDER = "sources"
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name_reason(name: str) -> str | None:
    """Why a zip member name (or an ``internal://`` path) must not be used, or None."""
    if not name:
        return "an empty name"
    if ".." in name:
        return "'..' in the name"
    if name.startswith("/"):
        return "a leading '/'"
    if "\\" in name:
        return "a backslash in the name"
    if "\x00" in name:
        return "a NUL character in the name"
    if _DRIVE.match(name):
        return "a drive letter"
    return None


@dataclass
class RefiZip:
    """An opened .qdpx: its checked member list; members are read on demand."""

    path: Path
    archive: zipfile.ZipFile
    qde_name: str
    base: str  # the folder holding the .qde ("" at the top), with a trailing "/"
    infos: dict[str, zipfile.ZipInfo]
    read_total: int = 0
    _by_folded: dict[str, list[str]] = field(default_factory=dict)

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> RefiZip:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def read(self, name: str) -> bytes:
        """A member's bytes, within the limits (see the module docstring)."""
        info = self.infos[name]
        size = info.file_size
        if self.read_total + size > MAX_TOTAL_BYTES:
            raise QualcodeError(
                f"{self.path}: refused: member {name!r} would bring the uncompressed data read "
                f"over {MAX_TOTAL_BYTES // (1024 * 1024)} MB"
            )
        _check_ratio(self.path, info)
        try:
            data = self.archive.read(info)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            raise QualcodeError(f"{self.path}: member {name!r} cannot be read ({exc})") from None
        except NotImplementedError as exc:  # an unsupported compression method
            raise QualcodeError(f"{self.path}: member {name!r}: {exc}") from None
        except RuntimeError as exc:  # encrypted
            raise QualcodeError(f"{self.path}: member {name!r}: {exc}") from None
        self.read_total += len(data)
        return data

    def qde(self) -> bytes:
        return self.read(self.qde_name)

    def source_member(self, internal: str) -> str | None:
        """The member named by ``internal://NAME``: ``sources/NAME`` beside the .qde.

        The folder's case does not matter (``Sources/`` too); an exact name wins over a
        case-insensitive match; a case-insensitive match must be unique.
        """
        reason = unsafe_name_reason(internal)
        if reason is not None:
            raise QualcodeError(f"{self.path}: refused: internal path {internal!r} has {reason}")
        for folder in (SOURCES_FOLDER, "Sources"):
            exact = f"{self.base}{folder}/{internal}"
            if exact in self.infos:
                return exact
        wanted = f"{self.base}{SOURCES_FOLDER}/{internal}".casefold()
        found = self._by_folded.get(wanted, [])
        if len(found) > 1:
            raise QualcodeError(
                f"{self.path}: refused: {internal!r} matches several members "
                f"({', '.join(sorted(found))})"
            )
        if found:
            return found[0]
        # Some writers put the files beside the .qde rather than in sources/.
        beside = f"{self.base}{internal}"
        return beside if beside in self.infos else None


def _check_ratio(path: Path, info: zipfile.ZipInfo) -> None:
    size, packed = info.file_size, info.compress_size
    if size > RATIO_FLOOR_BYTES and size > MAX_RATIO * max(packed, 1):
        raise QualcodeError(
            f"{path}: refused: member {info.filename!r} expands {size // max(packed, 1):,}:1 "
            f"(more than {MAX_RATIO}:1: a zip bomb?)"
        )


def open_qdpx(path: Path) -> RefiZip:
    """Open and check a .qdpx; the caller closes it (``with open_qdpx(p) as z: ...``)."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise QualcodeError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise QualcodeError(f"{path}: is a directory, not a file; name a file") from None
    except zipfile.BadZipFile:
        raise QualcodeError(
            f"{path}: not a zip file; a REFI-QDA project (.qdpx) is a zip archive"
        ) from None
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        return _check(path, archive)
    except BaseException:
        archive.close()
        raise


def _check(path: Path, archive: zipfile.ZipFile) -> RefiZip:
    infos_list = archive.infolist()
    if len(infos_list) > MAX_MEMBERS:
        raise QualcodeError(
            f"{path}: refused: {len(infos_list):,} members (the limit is {MAX_MEMBERS:,})"
        )
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in infos_list:
        name = info.filename
        reason = unsafe_name_reason(name)
        if reason is not None:
            raise QualcodeError(f"{path}: refused: member {name!r} has {reason}")
        if name in infos:
            raise QualcodeError(f"{path}: refused: member {name!r} appears twice")
        _check_ratio(path, info)
        infos[name] = info
    files = {name: info for name, info in infos.items() if not info.is_dir()}
    qdes = sorted(name for name in files if name.lower().endswith(".qde"))
    if not qdes:
        raise QualcodeError(
            f"{path}: not a REFI-QDA project: no .qde file in the archive "
            "(a .qdpx holds project.qde and a sources/ folder)"
        )
    top = [name for name in qdes if "/" not in name]
    if len(top) > 1 or (not top and len(qdes) > 1):
        raise QualcodeError(
            f"{path}: several .qde files ({', '.join(qdes)}); a REFI-QDA project has one"
        )
    qde_name = top[0] if top else qdes[0]
    base = str(PurePosixPath(qde_name).parent)
    base = "" if base == "." else f"{base}/"
    folded: dict[str, list[str]] = {}
    for name in files:
        folded.setdefault(name.casefold(), []).append(name)
    return RefiZip(path, archive, qde_name, base, files, _by_folded=folded)

"""Key bindings: every binding has an id, and a user's config file can remap it.

The file is TOML, ``$QUALCODE_KEYS`` or ``~/.config/qualcode/keys.toml``::

    [keys]
    code_search = "slash,f"
    remove_code = "x,delete"

Ids are listed by the help screen (``?``) beside each key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.binding import Binding


def config_path() -> Path:
    override = os.environ.get("QUALCODE_KEYS")
    if override:
        return Path(override).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "qualcode" / "keys.toml"


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], str | None]:
    """The user's keymap (binding id -> keys) and a problem to show, if any."""
    path = path or config_path()
    if not path.exists():
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, f"{path}: cannot read the key map ({exc}); using the default keys"
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        return {}, f"{path}: [keys] must map binding ids to key strings; using the default keys"
    return dict(keys), None


def bound_keys(owners: Iterable[Any], keymap: Mapping[str, str]) -> dict[str, str]:
    """Key -> what it does, for the ``BINDINGS`` of ``owners`` after the user's keymap
    (binding id -> keys), in the order the owners are given (the first owner wins)."""
    commands: dict[str, str] = {}
    for owner in owners:
        for binding in owner.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            for key in keys.split(","):
                commands.setdefault(key.strip(), binding.description or binding.action)
    return commands

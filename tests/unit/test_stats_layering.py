"""qualcode.stats is numeric code only (docs/architecture.md), and its docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

MODULES = [
    "qualcode.stats.counts",
    "qualcode.stats.alpha",
    "qualcode.stats.kappa",
    "qualcode.stats.presence",
    "qualcode.stats.bootstrap",
    "qualcode.stats.unitizing",
]


def test_stats_imports_nothing_but_numpy_and_itself() -> None:
    code = (
        "import sys\n"
        f"for name in {MODULES!r}:\n"
        "    __import__(name)\n"
        "banned = ('sqlalchemy', 'textual', 'click', 'pandas', 'rich', 'spacy', 'alembic')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in banned)\n"
        "bad += sorted(m for m in sys.modules if m.startswith('qualcode.')\n"
        "              and not m.startswith('qualcode.stats'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"qualcode.stats imports {out}"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

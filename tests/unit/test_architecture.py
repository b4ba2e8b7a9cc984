"""The layering rules of ARCHITECTURE.md, checked in fresh interpreters."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = {
    "qualcode.ingest.readers": {"sqlalchemy", "textual", "spacy", "docx"},
    "qualcode.ingest.segmenter": {"sqlalchemy", "textual", "spacy"},
    "qualcode.ingest.survey_csv": {"sqlalchemy", "textual"},
    "qualcode.ingest.qde_read": {"sqlalchemy", "textual", "spacy"},
    "qualcode.ingest.refi_zip": {"sqlalchemy", "textual", "spacy"},
    "qualcode.ingest.refi_offsets": {"sqlalchemy", "textual", "spacy"},
    "qualcode.export.qde_write": {"sqlalchemy", "textual", "spacy"},
    "qualcode.services.refi_import": {"textual", "spacy", "pandas"},
    "qualcode.services.refi_export": {"textual", "spacy", "pandas"},
    "qualcode.services.importing": {"textual", "spacy", "pandas"},
    "qualcode.services.coding": {"textual", "spacy", "pandas"},
    "qualcode.services.codebook": {"textual", "spacy", "pandas"},
    "qualcode.services.codebook_review": {"textual", "spacy", "pandas"},
    "qualcode.services.consensus_review": {"textual", "spacy", "pandas"},
    "qualcode.store.project": {"textual", "spacy", "alembic"},
    "qualcode.export.csv_safe": {"sqlalchemy", "textual"},
    "qualcode.export.formats": {"sqlalchemy", "textual", "openpyxl"},
    "qualcode.services.themes": {"textual", "spacy", "pandas", "numpy", "openpyxl"},
    "qualcode.services.research_exports": {"textual", "spacy", "pandas", "numpy", "openpyxl"},
    "qualcode.shortcuts": {"sqlalchemy", "textual", "spacy", "yaml"},
    "qualcode.cli.main": {"textual", "spacy", "pandas", "alembic", "docx", "sqlalchemy"},
}


@pytest.mark.parametrize("module", sorted(CORE))
def test_core_modules_do_not_import_heavy_or_ui_packages(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in {sorted(CORE[module])!r} if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} imports {out}"

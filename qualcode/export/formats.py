"""Write a table (a header and rows) as CSV, Excel (.xlsx), Markdown or LaTeX.

* CSV goes through :mod:`qualcode.export.csv_safe` (the one CSV writer: UTF-8, a header,
  cells beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return prefixed with
  ``'``).
* xlsx (openpyxl, imported only when used) applies the same guard, so no cell is ever a
  formula: every text cell is stored as a string; numbers stay numbers.
* Markdown escapes ``|`` and folds line breaks; LaTeX escapes ``& % $ # _ { } ~ ^ \\`` and
  uses a booktabs ``tabular`` (``\\usepackage{booktabs}``).

New files are written private to their owner (mode 0600), like every qualcode export; a
file that is replaced keeps its mode (see :func:`qualcode.export.output.write_private_bytes`).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.export.csv_safe import csv_text, safe_cell
from qualcode.export.output import write_private, write_private_bytes

FORMATS = ("csv", "xlsx", "md", "tex")
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx", ".md": "md", ".markdown": "md", ".tex": "tex"}
# Columns of prose: a fixed-width paragraph column in LaTeX.
PROSE = frozenset({"description", "include", "exclude", "example", "quote", "memo"})
XLSX_CELL_LIMIT = 32_767  # characters Excel keeps in a cell

_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\n": " ",
    "\r": " ",
    "\t": " ",
}
_LATEX_TABLE = str.maketrans(_LATEX)


def choose_format(out: Path | None, fmt: str | None) -> str | None:
    """``--format`` if given, else the extension of ``--out``; None: a terminal table."""
    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise QualcodeError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
        if fmt == "xlsx" and out is None:
            raise QualcodeError("--format xlsx writes a file: give --out FILE.xlsx")
        return fmt
    if out is None:
        return None
    found = EXTENSIONS.get(out.suffix.lower())
    if found is None:
        what = f"the extension {out.suffix!r}" if out.suffix else "a name without an extension"
        raise QualcodeError(
            f"--out {out}: cannot tell the format from {what}; "
            "name a .csv, .xlsx, .md or .tex file, or give --format"
        )
    return found


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.1f}" if value.is_integer() else str(value)
    return str(value)


def _numeric(rows: Sequence[Sequence[Any]], column: int) -> bool:
    values = [row[column] for row in rows if row[column] is not None and row[column] != ""]
    return bool(values) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
    )


def markdown_cell(value: Any) -> str:
    text = _plain(value).replace("\r\n", "\n").replace("\r", "\n")
    return " ".join(text.split("\n")).replace("|", "\\|").strip()


def markdown_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
) -> str:
    """A GitHub-flavoured Markdown table (numbers right-aligned), under a ``#`` title if
    given."""
    lines = [f"# {markdown_cell(title)}", ""] if title else []
    lines.append("| " + " | ".join(markdown_cell(h) for h in header) + " |")
    rule = ["---:" if _numeric(rows, i) else "---" for i in range(len(header))]
    lines.append("|" + "|".join(rule) + "|")
    for row in rows:
        lines.append("| " + " | ".join(markdown_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def latex_escape(value: Any) -> str:
    """Text safe inside a LaTeX table cell."""
    return _plain(value).translate(_LATEX_TABLE)


def latex_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
) -> str:
    """A booktabs ``tabular`` (inside a ``table`` with a caption when ``title`` is given).
    Numbers are right-aligned; prose columns (description, quote, …) are paragraphs."""
    spec = []
    for i, name in enumerate(header):
        if name in PROSE:
            spec.append(r"p{0.22\linewidth}")
        else:
            spec.append("r" if _numeric(rows, i) else "l")
    body = [
        r"% written by qualcode; needs \usepackage{booktabs}",
    ]
    if title:
        body += [r"\begin{table}[htbp]", r"\centering", rf"\caption{{{latex_escape(title)}}}"]
    body += [
        rf"\begin{{tabular}}{{{''.join(spec)}}}",
        r"\toprule",
        " & ".join(latex_escape(h) for h in header) + r" \\",
        r"\midrule",
    ]
    body += [" & ".join(latex_escape(v) for v in row) + r" \\" for row in rows]
    body += [r"\bottomrule", r"\end{tabular}"]
    if title:
        body.append(r"\end{table}")
    return "\n".join(body) + "\n"


def xlsx_cell(value: Any) -> Any:
    """A value for openpyxl: numbers as numbers, everything else as guarded text (never a
    formula), without the control characters a workbook cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = safe_cell(value)
    if isinstance(value, (int, float)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith("="):  # only possible if the guard above changed: never a formula
        text = "'" + text
    return text[:XLSX_CELL_LIMIT]


def xlsx_bytes(
    header: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str = "qualcode"
) -> bytes:
    """The table as an .xlsx workbook: one sheet, a bold header row, frozen below it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:31] or "qualcode")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(ws, value=xlsx_cell(name))
        cell.font = bold
        heading.append(cell)
    ws.append(heading)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=xlsx_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, whatever it looks like
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(
    header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, title: str | None = None
) -> str | bytes:
    if fmt == "csv":
        return csv_text(header, rows)
    if fmt == "md":
        return markdown_table(header, rows, title)
    if fmt == "tex":
        return latex_table(header, rows, title)
    if fmt == "xlsx":
        return xlsx_bytes(header, rows)
    raise QualcodeError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def write_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    out: Path | None = None,
    title: str | None = None,
) -> None:
    """Write the table in ``fmt`` to ``out`` (a new file: mode 0600), or a text format to
    standard output."""
    content = render(header, rows, fmt, title)
    if out is None:
        if isinstance(content, bytes):
            raise QualcodeError(f"--format {fmt} writes a file: give --out FILE")
        sys.stdout.write(content)
        return
    if isinstance(content, bytes):
        write_private_bytes(out, content)
    else:
        write_private(out, content)

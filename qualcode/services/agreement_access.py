"""Who sees what of the agreement: blind coding holds for the figures too.

Per-code agreement figures reveal what the other coders coded (a code with 0 % agreement on
a segment you coded means nobody else did), so a coder who is not the lead sees only the
overall rows (ALL (mean), ALL (pooled)) unless the lead opens the per-code figures to coders
(``qualcode agreement --open-to-coders on``; the project setting
``agreement_open_to_coders``). The lead always sees everything. The CLI's ``qualcode
agreement`` and the TUI's agreement screen both go through :func:`visible_report`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.services.lookup import get_coder, require_lead
from qualcode.store.models import ProjectInfo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qualcode.services.agreement import AgreementReport

SETTING = "agreement_open_to_coders"
HIDDEN_NOTE = (
    "per-code figures are for the lead (blind coding); the lead can open them to coders "
    "with 'qualcode agreement --open-to-coders on'"
)


def open_to_coders(session: Session) -> bool:
    """Whether the lead has opened the per-code agreement figures to coders."""
    row = session.get(ProjectInfo, SETTING)
    return row is not None and row.value == "on"


def set_open_to_coders(session: Session, actor: str, on: bool) -> bool:
    """The lead opens (or closes) the per-code figures to coders; returns whether it changed."""
    from qualcode.services.audit import audit

    require_lead(session, actor, "agreement --open-to-coders")
    value = "on" if on else "off"
    row = session.get(ProjectInfo, SETTING)
    if row is not None and row.value == value:
        return False
    if row is None:
        session.add(ProjectInfo(key=SETTING, value=value))
    else:
        row.value = value
    audit(session, "agreement.open_to_coders", SETTING, value)
    return True


def sees_per_code(session: Session, actor: str) -> bool:
    """The lead, or any coder once the lead opened the per-code figures."""
    coder = get_coder(session, actor)
    return (coder is not None and coder.role == "lead") or open_to_coders(session)


def check_codes_filter(session: Session, actor: str, codes: str | None) -> None:
    """A coder who may not see per-code figures may not ask for some codes either."""
    if codes and not sees_per_code(session, actor):
        raise QualcodeError(f"agreement --codes: {HIDDEN_NOTE}")


def visible_report(session: Session, actor: str, report: AgreementReport) -> AgreementReport:
    """The report as ``actor`` may see it: without the per-code rows for a blind coder."""
    if sees_per_code(session, actor):
        return report
    rows = [row for row in report.rows if row.overall]
    return replace(report, rows=rows, notes=[*report.notes, HIDDEN_NOTE])

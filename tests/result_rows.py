"""Ledger and audit table rows for tests: the fields a test states, every other field empty."""

from __future__ import annotations

from fiberpo_check.vocabulary.result_rows import AuditTableRow, ClaimRow, SubstatementRow
from fiberpo_check.vocabulary.verdicts import Status


def sub_row(sub_id: str, status: Status = Status.PROVED, evidence: str = "", role: str = "result",
            text: str = "", source: str = "") -> SubstatementRow:
    """A ledger sub-statement."""
    return SubstatementRow(sub_id, text, source, role, status, engine="", domain="", evidence=evidence, producers=(),
                           checked=())


def claim_row(claim_id: str, status: Status = Status.PROVED, substatements=(), evidence: str = "", claim: str = "",
              source: str = "", kind: str = "", rests_on=()) -> ClaimRow:
    """A ledger row."""
    return ClaimRow(claim_id, claim, source, kind, status, evidence, producers=(),
                    substatements=tuple(substatements), rests_on=tuple(rests_on))


def audit_table_row(row_id: str, status: Status = Status.NOT_YET_CHECKED, section: str = "5", page: int = 1,
                    quote: str = "q", kind: str = "assertion", claims=(), uses=(), evidence: str = "") -> AuditTableRow:
    """An audit table row."""
    return AuditTableRow(section, page, row_id, quote, kind, check="", uses=tuple(uses), claims=tuple(claims), link=(),
                         unchecked="", status=status, evidence=evidence)

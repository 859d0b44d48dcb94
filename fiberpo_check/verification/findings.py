"""Findings: one root cause in the paper, checked once, with one status, and every audit row and sub-statement that
states it named beside it (the errata have one entry per finding).

A finding's status is never typed in: it is the weakest status of the checks named in `checked_by` (derivation
sub-statements, or audit rows with a check of their own), read from the derivations' outputs. Its severity follows
from that status (`SEVERITY`). The prose — the paper's words, the problem in one sentence, the witness in the paper's
notation, the correction, the downstream effect — is for people; the witness is re-checked by the finding's
certificate, a standalone script under reports/certificates/ that imports nothing from the project.
"""

from __future__ import annotations

from dataclasses import dataclass

from fiberpo_check.verification.verdicts import Status

SEVERITY = {Status.REFUTED: "error", Status.INCONSISTENT: "error",
            Status.HOLDS_WITH_CONDITIONS: "missing condition", Status.TYPO: "typo",
            Status.APPROXIMATE: "imprecision"}
SEVERITY_ORDER = ("error", "missing condition", "typo", "imprecision")


@dataclass(frozen=True)
class Finding:
    """One root cause: where it is, the paper's words, what is wrong, a witness, the fix, what it affects, and the
    checks that decide it (`checked_by`) and the statements that state it (`rows`: audit rows, `same_fact`:
    sub-statements of other claims)."""

    key: str
    page: int
    locator: str
    paper_words: str
    problem: str
    witness: str
    correction: str
    downstream: str
    checked_by: tuple[str, ...]
    rows: tuple[str, ...] = ()
    same_fact: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.checked_by:
            raise ValueError(f"checked_by: finding {self.key} names no check")
        if len(self.problem) > 400 or len(self.witness) > 400:
            raise ValueError(f"finding {self.key}: problem and witness are one sentence each (≤ 400 characters)")

    @property
    def certificate(self) -> str:
        """The certificate's path relative to the output root."""
        return f"reports/certificates/{self.key}.py"


def status_of(finding: Finding, statuses: dict[str, Status]) -> Status:
    """The weakest status among the checks that decide the finding (a check not reported counts as not-yet-checked)."""
    return min((statuses.get(name, Status.NOT_YET_CHECKED) for name in finding.checked_by),
               key=lambda s: s.severity)


def severity_of(status: Status) -> str:
    """error / missing condition / typo / imprecision for a negative status; '' otherwise."""
    return SEVERITY.get(status, "")


FINDINGS: tuple[Finding, ...] = ()

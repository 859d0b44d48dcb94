"""Audit rows: one per numbered equation, stated result and quantitative assertion of the paper, and their
serialised records (derivations/out/audit.json), which the derivations write and the audit table reads."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from fiberpo_check import paths

KINDS = ("definition", "assertion", "proof-step", "empirical")
SECTIONS = {
    "2": "§2 TRPO and the discount factor", "3": "§3 RGF and APC-Obj", "4": "§4 Fiber Bundle Gating",
    "5": "§5 FiberPO", "6": "§6 Fibration hierarchy and FiberPO-Domain", "A": "App. A Notation",
    "B": "App. B TRPO", "C": "App. C RGF and APC-Obj derivations", "D": "App. D APC-Obj ≡ TV-TRPO",
    "E": "App. E Fiber bundle theory and the derivation of FiberPO",
}


@dataclass(frozen=True)
class AuditRow:
    """One audited statement of the paper.

    id: the equation ('eq20'), the result ('Lemma D.9') or a text assertion ('p11-a1'); quote: a short quote;
    claims: the headline claim ids the row feeds; uses: for a definition, the other places that use its symbol;
    link: the sub-statement ids (CLAIM/name) that check exactly this row's content, whose ledger statuses it takes
    (the worst of them) — never a whole claim, whose other sub-statements say other things;
    unchecked: why the row is not checkable (empty for a checkable row).
    """

    section: str
    page: int
    id: str
    quote: str
    kind: str
    claims: tuple = ()
    uses: tuple = ()
    link: tuple = ()
    unchecked: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: {self.kind!r} of row {self.id} is not one of {KINDS}")
        if self.section not in SECTIONS:
            raise ValueError(f"section: {self.section!r} of row {self.id} is not one of {sorted(SECTIONS)}")
        link = (self.link,) if isinstance(self.link, str) and self.link else tuple(self.link)
        whole = [name for name in link if "/" not in name]
        if whole:
            raise ValueError(f"link: row {self.id} is linked to the whole claim {whole[0]}; link the sub-statements "
                             "that check its content")
        if link and self.unchecked:
            raise ValueError(f"row {self.id}: a linked row is checked by its sub-statements; it cannot also be "
                             "unchecked")
        object.__setattr__(self, "link", link)
        object.__setattr__(self, "claims", tuple(self.claims))
        object.__setattr__(self, "uses", tuple(self.uses))

    @property
    def checkable(self) -> bool:
        """A row is checkable unless it says why not."""
        return not self.unchecked


def record(row: AuditRow, check: str = "", outcomes=()) -> dict:
    """The serialised audit record of a row: the row, the checked formula's text, and its outcomes."""
    return {**asdict(row), "check": check, "outcomes": [asdict(o) for o in outcomes]}


def write(records: list[dict], path=None):
    """Write the audit records to derivations/out/audit.json or `path` (deterministic: catalogue order, sorted keys)."""
    path = path or paths.AUDIT_JSON
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False, default=float) + "\n")
    return path

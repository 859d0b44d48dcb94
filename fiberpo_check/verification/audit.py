"""The equation-level audit: one row per numbered equation, stated result and quantitative assertion.

The rows and their checks live in `derivations/audit/` (one module per section or appendix of the paper); the
derivations build writes what the checks found to `derivations/out/audit.json`. This module reads that file back:
a row's status is `verdicts.combine` over its outcomes; a row that *is* a sub-statement of a headline claim (`link`)
takes that sub-statement's status from the ledger; a row judged not checkable says why (`unchecked`) and stays
not-yet-checked. Coverage counts rows, checkable rows and checked rows per section.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from fiberpo_check.paths import DERIVATIONS_OUT, DOCS
from fiberpo_check.verification.verdicts import NEGATIVE, Status, combine, outcome_from_dict, outcome_text, worst

AUDIT_JSON = DERIVATIONS_OUT / "audit.json"
ERRATA = DOCS / "errata.md"
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
    link: the headline sub-statement (or claim) id this row is exactly, whose ledger status it takes;
    unchecked: why the row is not checkable (empty for a checkable row).
    """

    section: str
    page: int
    id: str
    quote: str
    kind: str
    claims: tuple = ()
    uses: tuple = ()
    link: str = ""
    unchecked: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: {self.kind!r} of row {self.id} is not one of {KINDS}")
        if self.section not in SECTIONS:
            raise ValueError(f"section: {self.section!r} of row {self.id} is not one of {sorted(SECTIONS)}")
        if self.link and self.unchecked:
            raise ValueError(f"row {self.id}: a linked row is checked by its claim; it cannot also be unchecked")
        object.__setattr__(self, "claims", tuple(self.claims))
        object.__setattr__(self, "uses", tuple(self.uses))

    @property
    def checkable(self) -> bool:
        """A row is checkable unless it says why not."""
        return not self.unchecked


def record(row: AuditRow, check: str = "", outcomes=()) -> dict:
    """The serialised audit record of a row: the row, the checked formula's text, and its outcomes."""
    return {**asdict(row), "check": check, "outcomes": [asdict(o) for o in outcomes]}


def write(records: list[dict], path=AUDIT_JSON):
    """Write the audit records (deterministic: in catalogue order, sorted keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False, default=float) + "\n")
    return path


def linked_statuses(ledger_rows: list[dict]) -> dict[str, tuple[str, str]]:
    """id -> (status, evidence) for every headline claim and every sub-statement of the ledger."""
    found = {}
    for claim in ledger_rows:
        found[claim["id"]] = (claim["status"], claim["evidence"])
        for sub in claim.get("substatements", []):
            found[sub["id"]] = (sub["status"], sub["evidence"])
    return found


def rows(records: list[dict] | None = None, ledger_rows: list[dict] | None = None) -> list[dict]:
    """The audit as dicts: section, page, id, quote, kind, status, evidence, check, uses, claims, link, unchecked."""
    if records is None:
        if not AUDIT_JSON.exists():
            raise FileNotFoundError(f"{AUDIT_JSON}: run `python -m fiberpo_check derivations` first")
        records = json.loads(AUDIT_JSON.read_text())
    if ledger_rows is None:
        from fiberpo_check.verification import ledger

        ledger_rows = ledger.rows()
    linked = linked_statuses(ledger_rows)
    table = []
    for rec in records:
        outcomes = [outcome_from_dict(o) for o in rec["outcomes"]]
        if outcomes:
            status, evidence = combine(outcomes).value, " | ".join(outcome_text(o) for o in outcomes)
        elif rec["link"]:
            status, evidence = linked.get(rec["link"], (Status.NOT_YET_CHECKED.value, "no verdict reported yet"))
            evidence = f"= {rec['link']}: {evidence}"
        else:
            status, evidence = Status.NOT_YET_CHECKED.value, f"not checkable: {rec['unchecked']}"
        table.append({k: rec[k] for k in ("section", "page", "id", "quote", "kind", "check", "uses", "claims",
                                          "link", "unchecked")} | {"status": status, "evidence": evidence})
    return table


def coverage(table: list[dict]) -> dict[str, dict]:
    """Per section and 'all': rows, checkable, checked (a checkable row with a status), and the status counts."""
    out: dict[str, dict] = {}
    for key in [*SECTIONS, "all"]:
        mine = [r for r in table if key in ("all", r["section"])]
        checkable = [r for r in mine if not r["unchecked"]]
        checked = [r for r in checkable if r["status"] != Status.NOT_YET_CHECKED.value]
        counts: dict[str, int] = {}
        for r in mine:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        out[key] = {"rows": len(mine), "checkable": len(checkable), "checked": len(checked),
                    "percent": round(100 * len(checked) / len(checkable), 1) if checkable else 100.0,
                    "statuses": dict(sorted(counts.items()))}
    return out


def audit_rows(table: list[dict]) -> dict[str, list[str]]:
    """claim id -> the audit rows it depends on (the rows that list it in `claims`)."""
    mapping: dict[str, list[str]] = {}
    for r in table:
        for claim_id in r["claims"]:
            mapping.setdefault(claim_id, []).append(r["id"])
    return mapping


def dependency_floor(table: list[dict], claim_id: str) -> Status:
    """The worst status among the rows a claim's truth rests on: its own-checked assertions and proof steps.

    Left out: linked rows (they read their status from the claim), definitions (an inconsistency between two
    definitions is reported, but the claim is checked under one stated reading), and typos (the intended reading
    is itself verified)."""
    own = [r["status"] for r in table if claim_id in r["claims"] and not r["link"]
           and r["kind"] in ("assertion", "proof-step") and r["status"] != Status.TYPO.value]
    return worst(own)


def table_text(table: list[dict], width: int = 70) -> str:
    """The audit as a fixed-width table, then the coverage per section."""
    lines = [f"{'sec':<4}{'page':>4}  {'id':<16} {'kind':<11} {'status':<22} quote"]
    for r in table:
        quote = r["quote"] if len(r["quote"]) <= width else r["quote"][: width - 1] + "…"
        lines.append(f"{r['section']:<4}{r['page']:>4}  {r['id']:<16} {r['kind']:<11} {r['status']:<22} {quote}")
    lines += ["", coverage_text(coverage(table))]
    return "\n".join(lines)


def coverage_text(cov: dict[str, dict]) -> str:
    """Coverage lines: section, rows, checkable, checked, percent, status counts."""
    lines = [f"{'coverage':<46} rows checkable checked      %  statuses"]
    for key, c in cov.items():
        name = "all" if key == "all" else SECTIONS[key]
        statuses = ", ".join(f"{s}: {n}" for s, n in c["statuses"].items())
        lines.append(f"{name[:46]:<46} {c['rows']:>4} {c['checkable']:>9} {c['checked']:>7} {c['percent']:>6}  "
                     f"{statuses}")
    return "\n".join(lines)


def errata(table: list[dict]) -> str:
    """docs/errata.md: every audited row whose status is negative, worst first (then by page), with its evidence
    (exact counterexample, the two conflicting readings, the missing condition or the quantified error); then the
    checkable rows no check has reached yet."""
    negative = sorted((r for r in table if Status(r["status"]) in NEGATIVE),
                      key=lambda r: (Status(r["status"]).severity, r["page"], r["id"]))
    pending = [r for r in table if not r["unchecked"] and r["status"] == Status.NOT_YET_CHECKED.value]
    out = ["<!-- generated by `python -m fiberpo_check derivations` from the equation-level audit; do not edit -->",
           "# Errata for *Fibration Policy Optimization* (arXiv 2603.08239v1)", "",
           "Every audited statement of the paper that is not proved or verified, worst first. Each entry gives the "
           "page, the equation or statement, a short quote, the status and the evidence: an exact counterexample "
           "(re-evaluated in exact rationals), the two conflicting readings, the condition the paper does not state, "
           "or the quantified error of an approximation. Rows marked `= CLAIM` are sub-statements of a headline "
           "claim of the ledger and carry its evidence.", "",
           f"{len(negative)} entries; statuses: " + ", ".join(
               f"{s}: {n}" for s, n in coverage(negative)["all"]["statuses"].items()), ""]
    for i, r in enumerate(negative, start=1):
        out += [f"## {i}. p. {r['page']}, {r['id']}: {r['status']}", "", f"> {r['quote']}", ""]
        if r["check"]:
            out += [f"Checked: {r['check']}", ""]
        out += [f"Evidence: {r['evidence']}", ""]
    out += ["## Checkable statements not yet checked", ""]
    out += [f"- p. {r['page']}, {r['id']}: {r['quote']} ({r['evidence']})" for r in pending] or ["None."]
    return "\n".join(out) + "\n"


def write_errata(table: list[dict], path=ERRATA):
    """Write docs/errata.md from the audit table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(errata(table))
    return path


def main(ledger_rows: list[dict], as_json: bool = False) -> int:
    """`ledger --audit`: print the audit table and its coverage (--json: {"rows": …, "coverage": …})."""
    table = rows(ledger_rows=ledger_rows)
    if as_json:
        print(json.dumps({"rows": table, "coverage": coverage(table)}, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print(table_text(table))
    return 0

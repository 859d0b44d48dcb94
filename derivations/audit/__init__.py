"""The equation-level audit of the paper: one module per section or appendix, each with its rows and
their checks; `build` runs every check and writes derivations/out/audit.json."""

from __future__ import annotations

import time
from pathlib import Path

from fiberpo_check.vocabulary import audit_rows
from fiberpo_check.vocabulary.check_registry import marked_functions

from . import appA, appB, appC, appD, appE, sec2, sec3, sec4, sec5, sec6
from ._base import AuditCheck

MODULES = (sec2, sec3, sec4, sec5, sec6, appA, appB, appC, appD, appE)  # paper order

# every stated result of the paper whose row is listed under its equation or a shared row, by name
ALIASES = {
    "Definition 3.1": "eq2", "Definition 3.2": "eq3", "Definition 4.3": "eq4", "Definition 4.4": "eq5",
    "Definition 5.1": "eq6", "Definition 6.1": "eq21", "Definition 6.4": "eq30", "Definition A.1": "p25-defA1",
    "Remark A.2": "p25-defA1", "Definition C.1": "eq57", "Definition C.2": "eq58", "Definition C.3": "eq59",
    "Definition D.1": "eq67", "Definition D.4": "eq72", "Definition D.5": "eq73", "Definition E.9": "eq80",
}


def row_of(name: str) -> str:
    """The row id of a numbered equation ('eq20'), a stated result ('Lemma D.9') or a text assertion."""
    return ALIASES.get(name, name)


def checks() -> dict[str, AuditCheck]:
    """row id -> its check, from the checks the section modules mark; a row checked twice raises."""
    found: dict[str, AuditCheck] = {}
    for marked in (c for fn in marked_functions(MODULES, "audit_checks") for c in fn.audit_checks):
        if marked.row_id in found:
            raise ValueError(f"row {marked.row_id}: two checks")
        found[marked.row_id] = marked
    return found


def catalogue() -> list:
    """Every AuditRow, in paper order (the modules' order, rows as listed); ids must be unique."""
    rows = [r for module in MODULES for r in module.ROWS]
    seen: set[str] = set()
    for r in rows:
        if r.id in seen:
            raise ValueError(f"audit row {r.id} is listed twice")
        seen.add(r.id)
    missing = set(checks()) - seen
    if missing:
        raise ValueError(f"checks without a row: {sorted(missing)}")
    return rows


def run(log=print) -> list[dict]:
    """Run the check of every checked row; linked and unchecked rows are recorded as they are."""
    records, checked = [], checks()
    for r in catalogue():
        check = checked.get(r.id)
        if check is None:
            records.append(audit_rows.record(r))
            continue
        start = time.perf_counter()
        findings = check.run()
        log(f"  {r.id:<18} {time.perf_counter() - start:6.2f} s")
        records.append(audit_rows.record(r, " | ".join(f.text for f in findings), [f.outcome for f in findings]))
    return records


def build(out: Path, log=print) -> list[dict]:
    """Run every check and write audit.json into `out`; return the records (the presentation renders them)."""
    start = time.perf_counter()
    log("audit: every numbered equation and stated result")
    records = run(log)
    audit_rows.write(records, out / "audit.json")
    log(f"  {'total':<18} {time.perf_counter() - start:6.2f} s")
    return records

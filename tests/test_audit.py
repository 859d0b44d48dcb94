"""The equation-level audit: the catalogue is complete, every check can fail, claims are bounded by their rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derivations.audit import ALIASES, CHECKS, catalogue, row_of
from fiberpo_check.presentation import audit
from fiberpo_check.vocabulary import audit_rows
from fiberpo_check.vocabulary.verdicts import NEGATIVE, Outcome, Status, combine

PAPER_TEXT = Path("/work/shared/reference/fiberpo-2603.08239v1.txt")
NAMED = re.compile(r"\b(Theorem|Lemma|Proposition|Property|Claim|Remark|Definition) ([A-E]\.)?\d+(\.\d+)?")
CATALOGUE = catalogue()  # imports every section module, so CHECKS is complete
CHEAP = ("eq2", "p5-a1", "eq5", "Remark 4.1", "eq60", "eq46", "Lemma D.12", "Remark D.7", "p40-a1", "eq81")


@pytest.fixture(scope="module")
def rows():
    return CATALOGUE


def test_every_numbered_equation_has_a_row(rows):
    ids = {r.id for r in rows}
    assert [n for n in range(1, 83) if f"eq{n}" not in ids] == []


def test_every_stated_result_has_a_row(rows):
    ids = {r.id for r in rows}
    names = set(ALIASES)
    if PAPER_TEXT.exists():
        names |= {m.group(0) for m in NAMED.finditer(PAPER_TEXT.read_text(errors="ignore"))}
    missing = sorted(n for n in names if row_of(n) not in ids)
    assert missing == []


def test_each_row_is_checked_linked_or_says_why_not(rows):
    for r in rows:
        assert bool(r.id in CHECKS) + bool(r.link) + bool(r.unchecked) == 1, r.id


def test_rows_are_validated():
    with pytest.raises(ValueError, match="kind"):
        audit_rows.AuditRow("5", 1, "x", "q", "theorem")
    with pytest.raises(ValueError, match="section"):
        audit_rows.AuditRow("9", 1, "x", "q", "assertion")


def reached(row_id: str) -> list[Status]:
    """Statuses a check reaches on its own ingredients and on each control."""
    check = CHECKS[row_id]
    runs = [{}] + list(check.controls.values())
    return [combine([f.outcome for f in check.run(**kw)]) for kw in runs]


@pytest.mark.parametrize("row_id", CHEAP)
def test_cheap_checks_can_fail(row_id):
    statuses = reached(row_id)
    assert len(set(statuses)) > 1 and any(s in NEGATIVE for s in statuses), statuses


@pytest.mark.slow
@pytest.mark.parametrize("row_id", sorted(CHECKS))
def test_every_check_can_fail(row_id):
    statuses = reached(row_id)
    assert len(set(statuses)) > 1 and any(s in NEGATIVE for s in statuses), statuses


def test_every_check_has_a_control():
    assert [r for r, c in CHECKS.items() if not c.controls] == []


def test_non_positive_rows_carry_their_evidence():
    """A negative own-checked row has an exact counterexample, two conflicting readings, a checked condition, a
    quantified error or a checked intended reading."""
    for row_id in CHEAP:
        for finding in CHECKS[row_id].run():
            o = finding.outcome
            if combine([o]) in NEGATIVE:
                assert o.counterexample or o.conflict or o.error or o.intended is not None, row_id
                assert not o.condition or o.condition_holds is not None, row_id


def record(row_id, status_outcome=None, link="", kind="assertion", claims=("FPO-1",), section="5"):
    outcomes = [status_outcome] if status_outcome else []
    return audit_rows.record(audit_rows.AuditRow(section, 1, row_id, "q", kind, claims=claims, link=link), "c", outcomes)


def test_rows_status_coverage_and_links():
    refuted = Outcome("exhaustive", "exact-rationals", "grid", False, counterexample="x = 1")
    proved = Outcome("proof", "z3", "all T ≤ 4", True)
    records = [record("a", refuted), record("b", proved), record("c", link="FPO-1"),
               audit_rows.record(audit_rows.AuditRow("6", 2, "d", "q", "assertion", unchecked="informal"))]
    ledger_rows = [{"id": "FPO-1", "status": "proved", "evidence": "e", "substatements": []}]
    table = audit.rows(records, ledger_rows)
    assert [r["status"] for r in table] == ["refuted", "proved", "proved", "not-yet-checked"]
    cov = audit.coverage(table)
    assert (cov["5"]["rows"], cov["5"]["checkable"], cov["5"]["checked"]) == (3, 3, 3)
    assert (cov["6"]["checkable"], cov["all"]["percent"]) == (0, 100.0)
    assert audit.dependency_floor(table, "FPO-1") is Status.REFUTED
    assert audit.audit_rows(table)["FPO-1"] == ["a", "b", "c"]
    errata = audit.errata(table)
    assert "p. 1, a: refuted" in errata and "x = 1" in errata and ", b:" not in errata


def test_no_claim_is_more_positive_than_its_rows():
    """Every headline claim whose ledger status is positive rests on no own-checked assertion or proof step with a
    negative status (uses the committed derivations/out/audit.json and the current verdict files)."""
    if not audit_rows.AUDIT_JSON.exists():
        pytest.skip("run `python -m fiberpo_check derivations` first")
    from fiberpo_check.presentation import ledger

    ledger_rows = ledger.rows()
    table = audit.rows(ledger_rows=ledger_rows)
    offending = []
    for claim in ledger_rows:
        floor = audit.dependency_floor(table, claim["id"])
        if Status(claim["status"]).positive and floor in NEGATIVE:
            offending.append((claim["id"], claim["status"], floor.value, audit.audit_rows(table)[claim["id"]]))
    assert offending == []


def test_ledger_write_renders_the_audit_with_the_statuses_reported_since(monkeypatch, tmp_path):
    """`derivations` runs before `verify` and the experiments, so a linked row first reads not-yet-checked; `ledger
    --write` (the step after every producer) renders the audit and the errata again from the current ledger."""
    if not audit_rows.AUDIT_JSON.exists():
        pytest.skip("run `python -m fiberpo_check derivations` first")
    from fiberpo_check.presentation import audit_render as audit_package
    from fiberpo_check.cli import ledger as ledger_cli
    from fiberpo_check.presentation import ledger

    reported = ledger.rows()  # as if verify had just reported FPO-10/ppo-majority (a linked sub-statement)
    for claim in reported:
        for sub in claim["substatements"]:
            if sub["id"] == "FPO-10/ppo-majority":
                sub.update(status="refuted", evidence="reported by verify")
    rendered = []
    monkeypatch.setattr(ledger, "rows", lambda: reported)
    monkeypatch.setattr(ledger, "write", lambda table: [])
    monkeypatch.setattr(audit_package, "write_rendered", lambda rows: rendered.append(rows))
    assert ledger_cli.main(["--write"]) == 0
    linked = {row["link"]: (row["status"], row["evidence"]) for row in rendered[0] if row["link"]}
    assert linked["FPO-10/ppo-majority"] == ("refuted", "= FPO-10/ppo-majority: reported by verify")

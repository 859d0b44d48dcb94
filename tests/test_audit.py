"""The equation-level audit: the catalogue is complete, every check can fail, claims are bounded by their rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derivations.audit import ALIASES, catalogue, checks, row_of
from fiberpo_check import paths
from fiberpo_check.presentation import audit
from fiberpo_check.vocabulary import audit_rows
from fiberpo_check.vocabulary.verdicts import NEGATIVE, Outcome, Status, combine
from tests.result_rows import claim_row, sub_row

PAPER_TEXT = Path("/work/shared/reference/fiberpo-2603.08239v1.txt")
NAMED = re.compile(r"\b(Theorem|Lemma|Proposition|Property|Claim|Remark|Definition) ([A-E]\.)?\d+(\.\d+)?")
CATALOGUE = catalogue()
CHECKS = checks()  # the checks the section modules mark
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
    """A row has its own check, links sub-statements (or both: then it is no better than either), or says why it is
    not checkable (and then has neither)."""
    for r in rows:
        assert bool(r.id in CHECKS or r.link) != bool(r.unchecked), r.id


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


def record(row_id, status_outcome=None, link=(), kind="assertion", claims=("FPO-1",), section="5"):
    outcomes = [status_outcome] if status_outcome else []
    return audit_rows.record(audit_rows.AuditRow(section, 1, row_id, "q", kind, claims=claims, link=link), "c", outcomes)


def test_rows_status_coverage_and_links():
    refuted = Outcome("exhaustive", "exact-rationals", "grid", False, counterexample="x = 1")
    proved = Outcome("proof", "z3", "every T", True)
    records = [record("a", refuted), record("b", proved), record("c", link="FPO-1/eq16"),
               record("e", proved, link="FPO-1/G-I"),
               audit_rows.record(audit_rows.AuditRow("6", 2, "d", "q", "assertion", unchecked="informal"))]
    ledger_rows = [claim_row("FPO-1", Status.REFUTED, evidence="e", substatements=[
        sub_row("FPO-1/eq16", Status.PROVED, evidence="sympy"),
        sub_row("FPO-1/G-I", Status.HOLDS_WITH_CONDITIONS, evidence="z3")])]
    table = audit.rows(records, ledger_rows)
    assert [r.status for r in table] == [Status.REFUTED, Status.PROVED, Status.PROVED, Status.HOLDS_WITH_CONDITIONS,
                                         Status.NOT_YET_CHECKED]
    cov = audit.coverage(table)
    assert (cov["5"]["rows"], cov["5"]["checkable"], cov["5"]["checked"]) == (4, 4, 4)
    assert (cov["6"]["checkable"], cov["all"]["percent"]) == (0, 100.0)
    assert audit.dependency_floor(table, "FPO-1") is Status.REFUTED
    assert audit.audit_rows(table)["FPO-1"] == ["a", "b", "c", "e"]


def test_no_claim_is_more_positive_than_its_rows():
    """Every headline claim whose ledger status is positive rests on no own-checked assertion or proof step with a
    negative status (uses the committed derivations/out/audit.json and the current verdict files)."""
    if not paths.AUDIT_JSON.exists():
        pytest.skip("run `python -m fiberpo_check derivations` first")
    from fiberpo_check.presentation import ledger

    ledger_rows = ledger.rows()
    table = audit.rows(ledger_rows=ledger_rows)
    offending = []
    for claim in ledger_rows:
        floor = audit.dependency_floor(table, claim.id)
        if claim.status.positive and floor in NEGATIVE:
            offending.append((claim.id, claim.status.value, floor.value, audit.audit_rows(table)[claim.id]))
    assert offending == []


def test_errata_do_not_depend_on_which_other_producers_ran(tmp_path):
    """The audit files and the errata are rendered from the derivations' own verdicts only: a numeric or empirical
    verdict reported since (here FPO-10/ppo-majority turned refuted) changes neither, while the ledger shows it."""
    if not paths.AUDIT_JSON.exists():
        pytest.skip("run `python -m fiberpo_check derivations` first")
    import shutil

    from fiberpo_check.presentation import ledger
    from fiberpo_check.presentation.audit_render import write_rendered
    from fiberpo_check.vocabulary.verdicts import SubStatement, Verdict, read_verdicts, write_verdicts

    out = tmp_path / "out"
    out.mkdir()
    for name in ("verdicts.json", "audit.json"):
        shutil.copy(paths.AUDIT_JSON.parent / name, out / name)
    alone = write_rendered(out)
    first = (out / "audit.md").read_text()
    numeric = Verdict("FPO-10", "verify", (SubStatement("FPO-10/ppo-majority", "t", "s", (Outcome(
        "exhaustive", "exact", "d", holds=False, counterexample="x"),)),), "e")
    write_verdicts(tmp_path / "verify.json", [numeric])  # a verdict file of another producer, beside the outputs
    after = write_rendered(out)
    assert (out / "audit.md").read_text() == first and alone == after
    full = ledger.rows([*read_verdicts([out / "verdicts.json"]), numeric])
    subs = {s.id: s.status for r in full for s in r.substatements}
    assert subs["FPO-10/ppo-majority"] is Status.REFUTED

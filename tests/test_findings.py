"""Findings, errata and certificates: every audit row carries its own verdict, one root cause has one status, every
erratum is actionable and its witness re-checks standalone; the committed JSON validates against its schema."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from fiberpo_check.presentation import audit
from fiberpo_check.presentation import ledger
from fiberpo_check.vocabulary import audit_rows
from fiberpo_check.vocabulary.findings import FINDINGS, SEVERITY_ORDER, Finding
from fiberpo_check.vocabulary.result_rows import ClaimRow
from fiberpo_check.vocabulary.verdicts import NEGATIVE, Outcome, Status, SubStatement, row_status
from tests.result_rows import claim_row, sub_row

REPO = Path(__file__).resolve().parents[1]
CERTIFICATES = REPO / "reports" / "certificates"
STANDARD_LIBRARY = set(sys.stdlib_module_names) | {"__future__"}


def committed_ledger() -> list[ClaimRow]:
    """The committed ledger snapshot (reports/claims.json)."""
    return [ClaimRow.from_dict(row) for row in json.loads((REPO / "reports/claims.json").read_text())]


def committed_tables():
    """The committed audit records and the derivations' own ledger (what the errata are written from)."""
    from fiberpo_check.vocabulary.verdicts import read_verdicts

    records = json.loads((REPO / "derivations/out/audit.json").read_text())
    derivation_ledger = ledger.rows(read_verdicts([REPO / "derivations/out/verdicts.json"]))
    return audit.rows(records, derivation_ledger), derivation_ledger


def test_a_row_is_never_linked_to_a_whole_claim():
    with pytest.raises(ValueError, match="whole claim FPO-1"):
        audit_rows.AuditRow("5", 9, "eq6", "q", "definition", link="FPO-1")
    assert audit_rows.AuditRow("5", 9, "eq6", "q", "definition", link="FPO-1/eq16").link == ("FPO-1/eq16",)


def test_a_linked_row_takes_the_worst_of_exactly_its_sub_statements():
    rows = [audit_rows.record(audit_rows.AuditRow("5", 1, "a", "q", "assertion", link=("X-1/p", "X-1/q"))),
            audit_rows.record(audit_rows.AuditRow("5", 1, "b", "q", "assertion", link="X-1/p")),
            audit_rows.record(audit_rows.AuditRow("5", 1, "c", "q", "assertion", link="X-1/unreported"))]
    ledger_rows = [claim_row("X-1", Status.REFUTED, evidence="e", substatements=[
        sub_row("X-1/p", Status.PROVED, evidence="p ok"),
        sub_row("X-1/q", Status.REFUTED, evidence="q fails"),
        sub_row("X-1/r", Status.REFUTED, evidence="not this row's")])]
    table = audit.rows(rows, ledger_rows)
    assert [r.status for r in table] == [Status.REFUTED, Status.PROVED, Status.NOT_YET_CHECKED]
    assert "not this row's" not in " ".join(r.evidence for r in table)


def test_a_row_is_no_better_than_any_of_its_results():
    proved = SubStatement("X-1/a", "t", "s", (Outcome("proof", "z3", "every T", True),))
    unchecked = SubStatement("X-1/b", "t", "s", ())
    remark = SubStatement("X-1/c", "t", "s", (), role="remark")
    assert row_status([proved, unchecked]) is Status.NOT_YET_CHECKED
    assert row_status([proved, remark]) is Status.PROVED


def synthetic_ledger(ancestor_status: Status) -> list[ClaimRow]:
    """FGH-3 rests on FGH-1/compact-is-expanded (given `ancestor_status`) and on FBG-2/true-gradient (proved, as is
    everything that rests on)."""
    return [claim_row("FGH-1", ancestor_status, [sub_row("FGH-1/compact-is-expanded", ancestor_status)]),
            claim_row("FBG-1", Status.PROVED, [sub_row("FBG-1/reflecting")]),
            claim_row("FBG-2", Status.PROVED, [sub_row("FBG-2/true-gradient"), sub_row("FBG-2/gate-identity")]),
            claim_row("FGH-3", Status.PROVED)]


def test_status_given_ancestors_flags_a_refuted_ancestor():
    clean = ledger.with_ancestors(synthetic_ledger(Status.PROVED))
    broken = ledger.with_ancestors(synthetic_ledger(Status.REFUTED))
    fgh3 = {r.id: r for r in clean}["FGH-3"]
    assert (fgh3.status_given_ancestors, fgh3.weaker_ancestors) == (Status.PROVED, ())
    fgh3 = {r.id: r for r in broken}["FGH-3"]
    assert fgh3.status is Status.PROVED and fgh3.status_given_ancestors is Status.REFUTED
    assert fgh3.weaker_ancestors == ("FGH-1/compact-is-expanded (refuted)",)


def test_every_dependency_names_a_reported_statement():
    known = {r.id for r in committed_ledger()} | {s.id for r in committed_ledger() for s in r.substatements}
    from fiberpo_check.vocabulary.claims import RESTS_ON

    assert sorted({n for node, uses in RESTS_ON.items() for n in (node, *uses)} - known) == []


def test_every_negative_audit_row_is_explained_by_a_finding():
    table, _ = committed_tables()
    assert [(r.id, r.status) for r in audit.uncovered(table)] == []


def test_every_catalogued_finding_is_decided_negative_by_derivation_checks():
    table, derivation_ledger = committed_tables()
    decided = audit.decided_findings(table, derivation_ledger)
    assert [(f.key, s.value) for f, s in decided if s not in NEGATIVE] == []


def test_the_same_fact_has_one_word_everywhere():
    table, derivation_ledger = committed_tables()
    statuses = audit.check_statuses(table, derivation_ledger)
    statuses.update({s.id: s.status for r in committed_ledger() for s in r.substatements})
    for finding, status in audit.decided_findings(table, derivation_ledger):
        stated = {name: statuses.get(name, Status.NOT_YET_CHECKED) for name in (*finding.rows, *finding.same_fact)}
        assert {n: s.value for n, s in stated.items() if s is not status} == {}, finding.key


def test_errata_entries_are_actionable_and_distinct():
    table, derivation_ledger = committed_tables()
    entries = audit.errata_entries(table, derivation_ledger)
    assert entries, "no errata entries"
    evidence = [tuple(e["checked_by"]) for e in entries]
    assert len(set(evidence)) == len(evidence), "two entries repeat the same evidence"
    ranks = [(SEVERITY_ORDER.index(e["severity"]), e["page"]) for e in entries]
    assert ranks == sorted(ranks)
    for e in entries:
        text = " ".join(str(e[k]) for k in ("paper_words", "problem", "witness", "correction", "downstream"))
        assert len(text) + sum(map(len, e["checked_by"])) < 2000, e["key"]
        assert "True" not in e["problem"] and "holds under the condition" not in text, e["key"]


def test_a_finding_states_its_problem_in_one_sentence():
    with pytest.raises(ValueError, match="one sentence"):
        Finding("k", 1, "p. 1", "w", "x" * 401, "w", "c", "d", ("X-1/a",))
    with pytest.raises(ValueError, match="names no check"):
        Finding("k", 1, "p. 1", "w", "p", "w", "c", "d", ())


def test_the_committed_errata_are_current():
    table, derivation_ledger = committed_tables()
    assert (REPO / "docs/errata.md").read_text() == audit.errata(table, derivation_ledger)


@pytest.mark.parametrize("finding", FINDINGS, ids=lambda f: f.key)
def test_certificate_passes_standalone(finding, tmp_path):
    """The witness re-checks with the standard library only, from an empty folder, in isolated mode."""
    script = REPO / finding.certificate
    assert script.exists(), f"{finding.certificate} is missing"
    tree = ast.parse(script.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= STANDARD_LIBRARY, f"{script.name} imports {sorted(imported - STANDARD_LIBRARY)}"
    run = subprocess.run([sys.executable, "-I", str(script)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip(), "a certificate prints both sides"


def test_a_certificate_fails_when_its_witness_fails(tmp_path):
    """Negative control: a certificate whose witness is altered so that the problem disappears exits non-zero."""
    script = REPO / FINDINGS[0].certificate if FINDINGS else None
    if script is None or not script.exists():
        pytest.skip("no certificate yet")
    broken = tmp_path / "broken.py"
    broken.write_text(script.read_text().replace("sys.exit(0 if shown else 1)", "sys.exit(0 if not shown else 1)"))
    run = subprocess.run([sys.executable, "-I", str(broken)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode != 0


@pytest.mark.parametrize("name,path", [("claims", "reports/claims.json"), ("audit", "derivations/out/audit.json"),
                                       ("errata", "docs/errata.json")])
def test_committed_json_validates_against_its_schema(name, path):
    schema = json.loads((REPO / f"docs/schema/{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads((REPO / path).read_text()), schema)


def test_the_schema_knows_every_status():
    schema = json.loads((REPO / "docs/schema/claims.schema.json").read_text())
    assert schema["$defs"]["status"]["enum"] == [s.value for s in Status]


def test_a_schema_rejects_a_wrong_status():
    schema = json.loads((REPO / "docs/schema/claims.schema.json").read_text())
    row = json.loads((REPO / "reports/claims.json").read_text())[0] | {"status": "proved-ish"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([row], schema)

"""Claims ledger: sub-statements merged across producers, the row rule, CLI output, deterministic reports."""

from __future__ import annotations

import json

import pytest

from fiberpo_check.cli import ledger as ledger_cli
from fiberpo_check.presentation import ledger
from fiberpo_check.vocabulary.claims import CLAIMS, part
from fiberpo_check.vocabulary.result_rows import ClaimRow
from fiberpo_check.vocabulary.verdicts import Outcome, Status, SubStatement, make_verdict, read_verdicts, write_verdicts

PROOF = Outcome("proof", "sympy", "all T", holds=True)
FLOAT_OK = Outcome("float", "float64", "random batches", holds=True)
FLOAT_BAD = Outcome("float", "float64", "random batches", holds=False, counterexample="gap 0.3 at T = 4")
EXACT_BAD = Outcome("exhaustive", "exact-rationals", "T = 3", holds=False, counterexample="ℓ = (1, 0, 0)")


def sub(part_id: str, *outcomes) -> SubStatement:
    """A listed sub-statement with the given outcomes."""
    listed = part(part_id)
    return SubStatement(listed.id, listed.text, listed.source, tuple(outcomes), listed.role)


def by_id(table):
    return {r.id: r for r in table}


def test_outcomes_of_one_substatement_combine_across_producers():
    verdicts = [make_verdict("FPO-2", "derivations", [sub("FPO-2/eq20", PROOF)], "sym"),
                make_verdict("FPO-2", "verify", [sub("FPO-2/eq20", FLOAT_BAD)], "autograd disagrees")]
    row = by_id(ledger.rows(verdicts))["FPO-2"]
    eq20 = row.substatements[0]
    assert eq20.id == "FPO-2/eq20" and eq20.status is Status.REFUTED and eq20.producers == ("derivations", "verify")
    assert row.status is Status.REFUTED
    assert "[derivations: proved]" in row.evidence and "[verify: refuted]" in row.evidence


def test_a_refuted_remark_does_not_lower_a_proved_result():
    verdicts = [make_verdict("FPO-2", "derivations", [sub("FPO-2/eq20", PROOF),
                                                      sub("FPO-2/L-III-shortcut", EXACT_BAD)], "e")]
    row = by_id(ledger.rows(verdicts))["FPO-2"]
    statuses = {s.id: (s.role, s.status) for s in row.substatements}
    assert row.status is Status.PROVED
    assert statuses == {"FPO-2/eq20": ("result", Status.PROVED), "FPO-2/L-III-shortcut": ("remark", Status.REFUTED)}


def test_float_evidence_alone_leaves_a_row_unchecked():
    row = by_id(ledger.rows([make_verdict("FPO-3", "verify", [sub("FPO-3/block-diagonal", FLOAT_OK)], "e")]))
    assert row["FPO-3"].status is Status.NOT_YET_CHECKED


def test_rows_cover_every_claim_and_report_unknown_ids():
    verdicts = [make_verdict("ZZZ-9", "verify", [SubStatement("ZZZ-9/x", "x", "p. 1", (EXACT_BAD,))], "typo id")]
    table = ledger.rows(verdicts)
    assert [r.id for r in table[: len(CLAIMS)]] == [c.id for c in CLAIMS]
    rows = by_id(table)
    assert rows["EMP-4"].status is Status.NOT_YET_CHECKED
    assert rows["ZZZ-9"].kind == "unknown claim id" and rows["ZZZ-9"].status is Status.REFUTED


def test_old_format_records_are_not_trusted(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps([{"id": "FPO-3", "status": "proved", "evidence": "typed", "producer": "x",
                                 "details": {}}]))
    row = by_id(ledger.rows(read_verdicts([path])))["FPO-3"]
    assert row.status is Status.NOT_YET_CHECKED and "not recomputed" in row.evidence


def test_serialising_is_byte_identical_whatever_the_reading_order(tmp_path):
    """Item 8: verdicts written to disk and read back (cache order) give the same bytes as fresh ones."""
    fresh = [make_verdict("FPO-2", "verify", [sub("FPO-2/eq20", FLOAT_BAD)], "b"),
             make_verdict("FPO-2", "derivations", [sub("FPO-2/eq20", Outcome("proof", "z3", "T ≤ 8", holds=True)),
                                                   sub("FPO-2/L-III-shortcut", EXACT_BAD)], "a")]
    cached = read_verdicts([write_verdicts(tmp_path / "v.json", fresh)])
    assert ledger.serialise(ledger.rows(fresh)) == ledger.serialise(ledger.rows(list(reversed(cached))))
    assert ledger.markdown(ledger.rows(fresh)) == ledger.markdown(ledger.rows(cached))


def test_a_row_reads_back_as_written():
    """Every ledger row round-trips through its claims.json dict; a stored status outside the vocabulary is refused."""
    table = ledger.rows()
    assert all(ClaimRow.from_dict(row.to_dict()) == row for row in table)
    with pytest.raises(ValueError):
        ClaimRow.from_dict(table[0].to_dict() | {"status": "proved-ish"})
    stored = by_id(table)["FPO-2"].to_dict()
    stored["substatements"][0]["status"] = "proved-ish"
    with pytest.raises(ValueError):
        ClaimRow.from_dict(stored)


def test_cli_json_and_write(tmp_path, monkeypatch, capsys):
    from fiberpo_check import paths

    (tmp_path / "derivations" / "out").mkdir(parents=True)
    (tmp_path / "derivations" / "out" / "verdicts.json").write_bytes(paths.DERIVATION_VERDICTS.read_bytes())
    monkeypatch.setenv("FIBERPO_CHECK_ROOT", str(tmp_path))  # the output root is read when used
    assert ledger_cli.main(["--json", "--write"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[: out.rindex("]") + 1])
    assert {"id", "claim", "source", "kind", "status", "evidence", "substatements"} <= set(rows[0])
    assert {"id", "text", "source", "status", "evidence", "role", "engine", "domain"} <= set(
        rows[0]["substatements"][0] if rows[0]["substatements"] else by_id(rows)["FPO-2"]["substatements"][0])
    assert len(rows) >= len(CLAIMS)
    assert json.loads((tmp_path / "reports" / "claims.json").read_text()) == rows
    assert "| TRPO-1 |" in (tmp_path / "reports" / "claims.md").read_text()


def test_cli_table(capsys):
    assert ledger_cli.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["id", "status", "kind"]
    assert len(lines) >= len(CLAIMS) + 1


def test_a_fresh_experiment_result_has_the_key_order_of_a_cached_one(tmp_path):
    """Item 8: evidence rendered from a fresh run lists runs in the order a second run reads from the cache."""
    from fiberpo_check.empirical.experiments.cache import cached

    def compute():
        return {"runs": {"z-run": 1.0, "a-run": (2, 3)}}

    fresh = cached("order", {"seed": 0}, compute, tmp_path)
    again = cached("order", {"seed": 0}, compute, tmp_path)
    assert json.dumps(fresh) == json.dumps(again) and list(fresh["runs"]) == ["a-run", "z-run"]

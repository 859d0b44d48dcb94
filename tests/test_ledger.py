"""Claims ledger: merge rule, one row per SPEC id, CLI output and written reports."""

from __future__ import annotations

import json

import pytest

from fiberpo_check import ledger
from fiberpo_check.claims import CLAIMS
from fiberpo_check.cli import ledger as ledger_cli
from fiberpo_check.verdicts import Verdict


@pytest.mark.parametrize("statuses, merged", [
    ([], "not-yet-checked"),
    (["not-yet-checked"], "not-yet-checked"),
    (["proved", "verified-numerically"], "proved"),
    (["verified-numerically", "not-yet-checked"], "verified-numerically"),
    (["proved", "refuted"], "refuted"),
    (["approximate", "inconsistent", "proved"], "inconsistent"),
    (["holds-with-conditions", "approximate"], "holds-with-conditions"),
    (["refuted", "inconsistent"], "refuted"),
])
def test_merge_rule(statuses, merged):
    assert ledger.merged_status(statuses) == merged


def test_rows_cover_every_claim_and_merge_producers():
    verdicts = [Verdict("FPO-2", "proved", "symbolic", "derivations"),
                Verdict("FPO-2", "refuted", "autograd disagrees", "verify"),
                Verdict("ZZZ-9", "proved", "typo id", "verify")]
    table = ledger.rows(verdicts)
    assert [r["id"] for r in table[: len(CLAIMS)]] == [c.id for c in CLAIMS]
    by_id = {r["id"]: r for r in table}
    assert by_id["FPO-2"]["status"] == "refuted"
    assert "[derivations: proved]" in by_id["FPO-2"]["evidence"] and "[verify: refuted]" in by_id["FPO-2"]["evidence"]
    assert by_id["EMP-4"]["status"] == "not-yet-checked"
    assert by_id["ZZZ-9"]["kind"] == "unknown claim id"


def test_every_symbolic_claim_has_a_computed_verdict():
    table = {r["id"]: r for r in ledger.rows()}
    for claim in CLAIMS:
        if "symbolic" in claim.kind:
            assert table[claim.id]["status"] != "not-yet-checked", claim.id
            assert "derivations" in table[claim.id]["producers"]


def test_cli_json_and_write(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ledger, "REPORTS", tmp_path)
    assert ledger_cli.main(["--json", "--write"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[: out.rindex("]") + 1])
    assert {"id", "source", "kind", "status", "evidence"} <= set(rows[0])
    assert len(rows) >= len(CLAIMS)
    assert json.loads((tmp_path / "claims.json").read_text()) == rows
    assert "| TRPO-1 |" in (tmp_path / "claims.md").read_text()


def test_cli_table(capsys):
    assert ledger_cli.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["id", "status", "kind"]
    assert len(lines) >= len(CLAIMS) + 1

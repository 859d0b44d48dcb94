"""Smoke test of the benchmark on a tiny shape: the rows and the JSON file (no timing is asserted)."""

import json

from fiberpo_check.bench import run_bench
from fiberpo_check.cli.bench import main

FIELDS = {"name", "shape", "mode", "ms", "ratio_vs_grpo", "peak_mem_ratio", "x_floor"}


def test_rows_cover_every_loss_with_the_reported_fields():
    rows = run_bench(shapes=[(4, 16)], modes=("eager",), repeats=1, warmup=0)
    assert {row["name"] for row in rows} == {"grpo", "fiberpo", "fiberpo_domain", "floor"}
    assert all(FIELDS <= set(row) and row["shape"] == [4, 16] and row["ms"] > 0 for row in rows)
    grpo = next(row for row in rows if row["name"] == "grpo")
    assert grpo["ratio_vs_grpo"] == 1.0 and grpo["peak_mem_ratio"] == 1.0


def test_command_writes_the_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--shapes", "4x16", "--modes", "eager", "--repeats", "1", "--warmup", "0", "--out", str(out)]) == 0
    written = json.loads(out.read_text())
    assert len(written["rows"]) == 4 and written["meta"]["torch"]
    assert "fiberpo_domain" in capsys.readouterr().out

"""Smoke tests of the benchmarks on tiny inputs: the rows and the JSON files (no timing is asserted)."""

import json

from fiberpo_check.cli.bench import main
from fiberpo_check.empirical.bench import run_bench

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


def test_lm_mode_compares_the_loop_with_the_prior_and_uncached_loops_on_the_same_run(tmp_path, capsys):
    out = tmp_path / "bench_lm.json"
    args = ["--lm", "--preset", "quick", "--steps", "1", "--repeats", "1", "--warmup", "0", "--out", str(out)]
    assert main(args) == 0
    row = json.loads(out.read_text())["row"]
    assert row["same_run"] and row["rl_tokens"] > 0  # tolerance-equal histories of the three loops
    assert set(row["tokens_per_s"]) == {"current", "prior", "uncached"} and min(row["tokens_per_s"].values()) > 0
    assert row["speedup_vs_prior"] > 0 and row["speedup_vs_uncached"] > 0
    printed = capsys.readouterr().out
    assert "prior loop:    KV-cached generation" in printed and "uncached loop" in printed

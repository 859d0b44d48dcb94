"""Presets, config-hashed cache, CI summaries, verdict logic (with negative controls) and the quick preset end to end."""

import json

import pytest

from fiberpo_check.experiments import cache, runner
from fiberpo_check.experiments.experiment_verdicts import emp4, rgf3
from fiberpo_check.experiments.presets import preset
from fiberpo_check.experiments.stats import bootstrap_interval, t_interval
from fiberpo_check.experiments.summaries import stability, tokens_to_threshold


def test_config_hash_is_stable_and_sensitive():
    cfg = preset("quick")
    assert cache.config_hash(cfg) == cache.config_hash(preset("quick"))
    cfg["lm"]["rl"]["lr"] *= 2
    assert cache.config_hash(cfg) != cache.config_hash(preset("quick"))
    with pytest.raises(ValueError, match="preset"):
        preset("huge")


def test_cache_reuses_results(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"value": 1}

    first = cache.cached("toy", {"a": 1}, compute, tmp_path, preset="default")
    second = cache.cached("toy", {"a": 1}, compute, tmp_path, preset="default")
    assert first == second and len(calls) == 1
    assert cache.latest("toy", "default", tmp_path)["value"] == 1


def test_intervals():
    interval = t_interval([1.0, 2.0, 3.0])
    assert interval["mean"] == 2.0 and interval["low"] == pytest.approx(2 - 4.302653 / 3**0.5 * 1.0, rel=1e-5)
    boot = bootstrap_interval([1.0, None, 3.0])
    assert boot["missing"] == 1 and boot["mean"] is None
    assert bootstrap_interval([2.0, 2.0])["low"] == 2.0


def history(rewards, entropy=1.0, ratio=1.0):
    return [
        {
            "tokens": 100 * (i + 1),
            "reward/mean": r,
            "entropy": entropy,
            "ratio/mean": ratio,
            "ratio/max": ratio,
            "grad_norm": 1.0,
            "response_length": 4.0,
            "drift/tv_mean": 0.01,
        }
        for i, r in enumerate(rewards)
    ]


def test_tokens_to_threshold_and_stability():
    runs = history([0.1, 0.2, 0.4, 0.5])
    assert tokens_to_threshold(runs, 0.3, 1) == 300
    assert tokens_to_threshold(runs, 0.9, 1) is None
    assert tokens_to_threshold(runs, 0.31, 2) == 400  # smoothed: (0.2 + 0.4) / 2 < 0.31 at step 2
    assert tokens_to_threshold(history([0.5, 0.0, 0.0]), 0.4, 2) is None  # no full window reaches it
    assert stability(runs, 1)["reward_gain"] == pytest.approx(0.4)


def lm_row(method, ttt, gain, collapsed, eps=None):
    interval = {"mean": ttt, "low": ttt and ttt * 0.9, "high": ttt and ttt * 1.1, "n": 3, "missing": 0 if ttt else 3}
    row = {
        "method": method,
        "hyper": {"eps_low": eps} if eps else {},
        "tokens_to_threshold": interval,
        "seeds": 3,
        "collapsed_seeds": collapsed,
        "claim_3_5": {"bound": 0.014, "within_frac": 1.0, "max_tv": 0.01, "mean_tv": 0.01},
    }
    for key in (
        "reward_gain",
        "entropy_ratio",
        "peak_mean_ratio",
        "grad_norm_growth",
        "length_ratio",
        "reward_fraction",
    ):
        row[key] = {"mean": gain, "low": gain, "high": gain, "n": 3}
    return row


def test_emp4_follows_the_numbers():
    report_pattern = {
        "grpo": lm_row("grpo", 1000.0, 0.3, 3),
        "gspo": lm_row("gspo", None, 0.0, 0, 3e-4),
        "fiberpo": lm_row("fiberpo", 500.0, 0.4, 0),
    }
    assert emp4(report_pattern).status == "verified-numerically"
    no_pattern = {
        "grpo": lm_row("grpo", 500.0, 0.3, 0),
        "gspo": lm_row("gspo", 500.0, 0.3, 0, 3e-4),
        "fiberpo": lm_row("fiberpo", 1000.0, 0.3, 0),
    }
    assert emp4(no_pattern).status == "refuted"
    assert rgf3(report_pattern).status == "verified-numerically"


def test_quick_preset_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RESULT_DIR", tmp_path / "experiments")
    monkeypatch.setattr(runner, "SUMMARY_PATH", tmp_path / "summary.json")
    monkeypatch.setattr(runner, "VERDICT_PATH", tmp_path / "verdicts.json")
    summary = runner.run_preset("quick")
    assert set(summary["verdicts"]) == {"APC-6", "EMP-3", "EMP-4", "RGF-3"}
    rows = json.loads((tmp_path / "verdicts.json").read_text())
    assert {row["id"] for row in rows} == set(summary["verdicts"])
    assert len(list((tmp_path / "experiments").glob("tiny_lm-*.json"))) == 2  # result + latest pointer
    again = runner.run_preset("quick")  # second run reuses the cache
    assert again["verdicts"] == summary["verdicts"]

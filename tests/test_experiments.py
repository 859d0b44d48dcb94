"""Presets, config-hashed cache, CI summaries, verdict logic (with negative controls) and the quick preset end to end."""

import json

import pytest

from fiberpo_check.empirical.experiments import cache, runner
from fiberpo_check.empirical.experiments.lm_verdicts import emp4, rgf3, synthetic_report, synthetic_rgf3
from fiberpo_check.empirical.experiments.presets import preset
from fiberpo_check.vocabulary.stats import (
    bootstrap_interval,
    detectable_effect,
    paired_contrast,
    paired_sign_contrast,
    t_interval,
)
from fiberpo_check.empirical.experiments.summaries import per_seed_metrics, stability, tokens_to_threshold
from fiberpo_check.empirical.experiments.experiment_verdicts import CHECKS
from fiberpo_check.vocabulary.verdicts import Status, row_status


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


def test_cache_key_includes_the_code(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    module = tmp_path / "src" / "train.py"
    module.write_text("LR = 1\n")
    before = cache.code_hash(("src",), tmp_path)
    assert before == cache.code_hash(("src",), tmp_path)
    module.write_text("LR = 2\n")
    assert cache.code_hash(("src",), tmp_path) != before
    assert len(cache.code_hash()) == 12  # the package's own result-producing sources exist

    calls = []
    monkeypatch.setattr(cache, "code_hash", lambda: "old")
    cache.cached("toy", {"a": 1}, lambda: calls.append(1) or {"v": 1}, tmp_path / "out")
    monkeypatch.setattr(cache, "code_hash", lambda: "new")
    cache.cached("toy", {"a": 1}, lambda: calls.append(1) or {"v": 2}, tmp_path / "out")
    assert len(calls) == 2  # a code change recomputes instead of reusing


def test_intervals():
    interval = t_interval([1.0, 2.0, 3.0])
    assert interval.mean == 2.0 and interval.low == pytest.approx(2 - 4.302653 / 3**0.5 * 1.0, rel=1e-5)
    boot = bootstrap_interval([1.0, None, 3.0])
    assert boot.missing == 1 and boot.mean is None
    assert bootstrap_interval([2.0, 2.0]).low == 2.0


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
    assert stability(runs, 1).reward_gain == pytest.approx(0.4)


def test_paired_statistics():
    contrast = paired_contrast([1.0, 2.0, 3.0, 4.0, 5.5], [0.0, 1.0, 2.5, 3.0, 4.0])
    assert contrast.estimate == pytest.approx(1.0) and contrast.ci_low > 0 and contrast.p_value < 0.01
    assert detectable_effect(1.0, 5) == pytest.approx(1.68, abs=0.01)  # standardised effect at n = 5, power 0.8
    assert detectable_effect(1.0, 30) < detectable_effect(1.0, 5)
    # five collapses against none cannot be significant with an exact two-sided sign test; six can
    assert paired_sign_contrast([1] * 5, [0] * 5).p_value > 0.05
    assert paired_sign_contrast([1] * 5, [0] * 5).detectable_effect is None
    assert paired_sign_contrast([1] * 6, [0] * 6).p_value < 0.05


def test_per_seed_metrics_token_fraction_and_heldout_gain():
    runs = history([0.1, 0.2, 0.4, 0.5])
    for row in runs:
        row.update({"drift/tv_tj": 0.02, "drift/tv_mean": 0.02, "grad_clip_rate": 0.5})
    runs[0].update({"initial_acc/mean": 0.3, "acc/mean": 0.3})
    runs[-1]["acc/mean"] = 0.34
    cfg = {"smoothing": 1, "threshold": 0.3, "collapse": preset("quick")["lm"]["collapse"]}
    found = per_seed_metrics({"10": runs}, cfg)["10"]
    assert found.token_fraction == pytest.approx(300 / 400) and found.reached
    assert found.heldout_gain_per_1e5_tokens == pytest.approx(0.04 / 400 * 1e5)
    assert found.drift == pytest.approx(0.02) and found.grad_clip_rate == pytest.approx(0.5)
    never = per_seed_metrics({"10": runs}, {**cfg, "threshold": 0.9})["10"]
    assert never.token_fraction == 1.0 and not never.reached  # never reached: the whole run (ties with another)


def test_emp4_and_rgf3_follow_the_contrasts():
    assert row_status(emp4(synthetic_report(+1))) is Status.REPRODUCED
    assert row_status(emp4(synthetic_report(0))) is Status.NOT_REPRODUCED
    assert row_status(emp4(synthetic_report(-1))) is Status.OPPOSITE_TENDENCY
    assert row_status(emp4(synthetic_report(+1, drift_ratio=2.0))) is Status.INCONCLUSIVE
    assert row_status(rgf3(synthetic_rgf3(-1))) is Status.REPRODUCED
    assert row_status(rgf3(synthetic_rgf3(+1))) is Status.OPPOSITE_TENDENCY
    assert all(o.contrast.scale for sub in emp4(synthetic_report(+1)) for o in sub.outcomes)


def test_two_seed_sets_cannot_flip_a_direction_without_a_reason():
    """Discovery seeds show the opposite tendency, the held-out seeds show nothing (and the other way round): the
    status is inconclusive with the reason, never a directional word from one seed set."""
    for discovery, held_out in ((-1, 0), (0, -1), (+1, -1)):
        subs = emp4(synthetic_report(discovery, replication_sign=held_out))
        for sub in subs:
            (outcome,) = sub.outcomes
            assert sub.status not in (Status.REPRODUCED, Status.OPPOSITE_TENDENCY)
            if sub.status is Status.INCONCLUSIVE:
                assert "did not replicate" in outcome.contrast.inconclusive_reason
    assert {s.status for s in emp4(synthetic_report(-1, replication_sign=-1))} == {Status.OPPOSITE_TENDENCY}


def test_holm_is_applied_across_the_claims_contrasts():
    report = synthetic_report(+1)
    p_values = [o.contrast.p_holm for sub in emp4(report) for o in sub.outcomes]
    assert p_values == pytest.approx([0.001 * len(p_values)] * len(p_values))


def test_lm_checks_are_registered_with_failing_controls():
    for claim in ("EMP-4", "RGF-3"):
        (check,) = [c for c in CHECKS if c.claim_id == claim]
        statuses = {row_status(control()) for control in check.controls.values()}
        assert statuses and all(not status.positive for status in statuses) and len(statuses) > 1
        assert Status.REFUTED not in statuses  # a miniature never refutes


def test_seeds_replace_the_evaluation_seeds_of_both_experiments():
    cfg = runner.with_seeds(preset("default"), [20, 21, 22, 23, 24, 25])
    assert cfg["bandit"]["iteration"]["seeds"] == [20, 21, 22, 23, 24, 25]
    assert cfg["lm"]["seeds"] == [20, 21, 22] and cfg["lm"]["replication_seeds"] == [23, 24, 25]
    assert cfg["lm"]["rgf3"]["seeds"] == [20, 21, 22] and cfg["lm"]["tuning_seeds"] == [0, 1, 2]
    with pytest.raises(ValueError, match="--seeds"):
        runner.with_seeds(preset("default"), [20])


def test_quick_preset_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("FIBERPO_CHECK_ROOT", str(tmp_path))  # results/, reports/ under tmp_path, read when used
    monkeypatch.setattr(runner, "COMMITTED_PRESET", "quick")  # the committed summary, written for this preset
    summary = runner.run_preset("quick")
    committed = {p.name: p.read_bytes() for p in (tmp_path / "reports").iterdir()}
    assert set(committed) == {"experiments-quick.json", "experiments-quick.md"}
    written = json.loads(committed["experiments-quick.json"])
    assert set(written["lm"]["runs"]["fiberpo"]["per_seed"]) == {"10", "11", "14", "15"}
    assert written["lm"]["calibration"]["chosen"]["gspo"]["bracketed"] in (True, False)
    assert set(summary["verdicts"]) == {"APC-6", "EMP-3", "EMP-4", "RGF-3"}
    verdicts, results = tmp_path / "results" / "verdicts" / "experiments.json", tmp_path / "results" / "experiments"
    rows = json.loads(verdicts.read_text())
    assert {row["id"] for row in rows} == set(summary["verdicts"])
    assert len(list(results.glob("tiny_lm-*.json"))) == 2  # result + latest pointer
    again = runner.run_preset("quick")  # second run reuses the cache
    assert again["verdicts"] == summary["verdicts"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "reports").iterdir()} == committed  # byte-identical

    before = verdicts.read_bytes()
    other = runner.run_preset("quick", seeds=[20, 21, 22, 23], only=("lm",))  # a labelled run beside, nothing replaced
    assert verdicts.read_bytes() == before
    assert (results / "runs" / "quick-seeds-20-21-22-23" / "verdicts.json").exists()
    assert set(other["verdicts"]) == {"EMP-4", "RGF-3"}
    assert cache.latest("tiny_lm", "quick", results)["config"]["seeds"] == [10, 11]
    with pytest.raises(ValueError, match="--seeds"):
        runner.run_preset("quick", seeds=[0, 21])  # 0 is a tuning seed

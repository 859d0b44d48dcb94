"""Run (or reuse from the cache) the bandit and tiny-LM experiments of a preset, summarise, and write verdicts."""

from __future__ import annotations

import json
from dataclasses import asdict
import time

from fiberpo_check.empirical.experiments import bandit_experiment, lm_experiment
from fiberpo_check.empirical.experiments.cache import RESULT_DIR, cached
from fiberpo_check.empirical.experiments.experiment_verdicts import compute
from fiberpo_check.empirical.experiments.presets import preset
from fiberpo_check.empirical.experiments.summaries import bandit_summary, lm_report
from fiberpo_check.vocabulary.verdicts import RESULT_VERDICTS, write_verdicts

SUMMARY_PATH = RESULT_DIR / "summary.json"
VERDICT_PATH = RESULT_VERDICTS / "experiments.json"


ANALYSIS_KEYS = ("threshold", "smoothing", "collapse")  # used by the summaries only, not part of a run's identity


def raw_results(part: str, cfg: dict, device: str = "cpu", preset: str | None = None) -> dict:
    """Raw (cached) results of one part, 'bandit' or 'lm'; the cache key leaves out analysis-only settings.

    `preset` names the run for figures (its latest pointer moves); ad-hoc runs (notebooks) pass None."""
    if part == "bandit":
        return cached("bandit", cfg, lambda: bandit_experiment.run(cfg), preset=preset)
    run_key = {key: value for key, value in cfg.items() if key not in ANALYSIS_KEYS}
    return cached("tiny_lm", cfg, lambda: lm_experiment.run(cfg, device), key=run_key, preset=preset)


def run_preset(
    name: str, seed: int | None = None, device: str = "cpu", only: tuple[str, ...] = ("bandit", "lm")
) -> dict:
    """Results, summaries and verdicts of a preset; `seed` replaces the seed lists with that one seed."""
    cfg = preset(name)
    if seed is not None:
        cfg["bandit"]["seeds"] = [seed]
        cfg["lm"]["seeds"] = [seed]
    summary, timings, bandit, lm = {"preset": name, "device": device}, {}, None, None
    pointer = name if seed is None else None  # a one-seed run is not the preset's result
    if "bandit" in only:
        start = time.perf_counter()
        bandit = bandit_summary(raw_results("bandit", cfg["bandit"], preset=pointer))
        timings["bandit_s"] = time.perf_counter() - start
        summary["bandit"] = asdict(bandit)
    if "lm" in only:
        start = time.perf_counter()
        lm = lm_report(raw_results("lm", cfg["lm"], device, preset=pointer), cfg["lm"])
        timings["lm_s"] = time.perf_counter() - start
        summary["lm"] = asdict(lm)
    verdicts = compute(bandit, lm)
    for verdict in verdicts:  # a verdict names the preset it came from (quick numbers are plumbing, not evidence)
        verdict.evidence = f"[{name} preset] {verdict.evidence}"
        verdict.details["preset"] = name
    summary["timings"] = timings
    summary["verdicts"] = {v.id: v.status for v in verdicts}
    SUMMARY_PATH.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY_PATH.write_text(json.dumps(summary, indent=1, sort_keys=True, default=float) + "\n")
    write_verdicts(VERDICT_PATH, verdicts)
    return summary

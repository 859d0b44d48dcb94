"""Run (or reuse from the cache) the bandit and tiny-LM experiments of a preset, summarise, and write verdicts."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

from fiberpo_check import paths
from fiberpo_check.empirical.experiments import bandit_experiment, lm_experiment, traceable
from fiberpo_check.empirical.experiments.cache import cached
from fiberpo_check.empirical.experiments.experiment_verdicts import compute
from fiberpo_check.empirical.experiments.presets import preset
from fiberpo_check.empirical.experiments.summaries import bandit_summary, lm_report
from fiberpo_check.vocabulary.verdicts import write_verdicts

COMMITTED_PRESET = "default"  # its summary is committed under reports/


ANALYSIS_KEYS = ("threshold", "smoothing", "collapse")  # used by the summaries only, not part of a run's identity


def raw_results(part: str, cfg: dict, device: str = "cpu", preset: str | None = None) -> dict:
    """Raw (cached) results of one part, 'bandit' or 'lm'; the cache key leaves out analysis-only settings.

    `preset` names the run for figures (its latest pointer moves); ad-hoc runs (notebooks) pass None."""
    if part == "bandit":
        return cached("bandit", cfg, lambda: bandit_experiment.run(cfg), preset=preset)
    run_key = {key: value for key, value in cfg.items() if key not in ANALYSIS_KEYS}
    return cached("tiny_lm", cfg, lambda: lm_experiment.run(cfg, device), key=run_key, preset=preset)


def with_seeds(cfg: dict, seeds: list[int]) -> dict:
    """The config with evaluation seeds replaced: bandit training uses all of them; the LM's first half is the
    discovery set, the second half the held-out replication set (RGF-3: up to three of each). The LM tuning seeds
    stay as they are, so the evaluation seeds must avoid them."""
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds: need at least two distinct seeds, got {seeds}")
    tuning = set(cfg["lm"]["tuning_seeds"])
    if tuning & set(seeds):
        raise ValueError(f"--seeds: {sorted(tuning & set(seeds))} are tuning seeds (calibration); choose others")
    cfg["bandit"]["iteration"]["seeds"] = list(seeds)
    half = len(seeds) // 2
    cfg["lm"].update(seeds=list(seeds[:half]), replication_seeds=list(seeds[half:]))
    cfg["lm"]["rgf3"].update(seeds=list(seeds[:half][:3]), replication_seeds=list(seeds[half:][:3]))
    return cfg


def output_paths(name: str, label: str | None) -> tuple[Path, Path]:
    """(summary, verdicts) files: the ledger's for a plain preset run, results/experiments/runs/<label>/ otherwise."""
    if label is None:
        return paths.EXPERIMENT_SUMMARY, paths.RESULT_VERDICTS / "experiments.json"
    folder = paths.EXPERIMENT_RESULTS / "runs" / label  # labelled runs (other seeds): never read by the ledger
    return folder / "summary.json", folder / "verdicts.json"


def run_preset(
    name: str, seeds: list[int] | None = None, device: str = "cpu", only: tuple[str, ...] = ("bandit", "lm"),
    label: str | None = None,
) -> dict:
    """Results, summaries and verdicts of a preset. With `seeds` (evaluation seeds) or a `label`, the run is written
    under results/experiments/runs/<label>/ and never replaces the preset's verdicts, pointers or committed summary."""
    cfg = preset(name)
    if seeds is not None:
        cfg = with_seeds(cfg, seeds)
        label = label or f"{name}-seeds-{'-'.join(map(str, seeds))}"
    summary_path, verdict_path = output_paths(name, label)
    summary, timings, bandit, lm = {"preset": name, "label": label, "device": device}, {}, None, None
    pointer = name if label is None else None  # only the preset's own run moves its latest pointer
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
    tag = name if label is None else f"{name}, {label}"
    for verdict in verdicts:  # a verdict names the preset it came from (quick numbers are plumbing, not evidence)
        verdict.evidence = f"[{tag} preset] {verdict.evidence}"
        verdict.details["preset"] = name
    summary["timings"] = timings
    summary["verdicts"] = {v.id: v.status for v in verdicts}
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(json.dumps(summary, indent=1, sort_keys=True, default=float) + "\n")
    write_verdicts(verdict_path, verdicts)
    summary["paths"] = [str(summary_path), str(verdict_path)]
    if label is None and name == COMMITTED_PRESET and set(only) == {"bandit", "lm"}:
        summary["paths"] += [str(p) for p in traceable.write(name, bandit, lm, verdicts)]
    return summary

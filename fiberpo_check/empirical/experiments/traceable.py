"""The committed summary of a preset's runs (reports/experiments-<preset>.json and .md): per method and seed metrics,
drift, calibration, contrasts and statuses, rounded so that a rerun from the same results is byte-identical."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from fiberpo_check.empirical.experiments.bandit_verdicts import BanditSummary
from fiberpo_check.empirical.experiments.cache import code_hash
from fiberpo_check.empirical.experiments.summaries import LMReport
from fiberpo_check import paths
from fiberpo_check.vocabulary.verdicts import Verdict, holm


def rounded(value, digits: int = 4):
    """Floats to `digits` significant digits, recursively (None and non-floats unchanged)."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {str(k): rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


def contrast_rows(found: dict, replication: dict) -> dict:
    """Per contrast: runs, discovery estimate, CI, p and Holm p, detectable effect, and the replication's numbers."""
    adjusted = holm([row.contrast.p_value for row in found.values()])
    return {key: {"runs": list(row.runs), **asdict(row.contrast), "p_holm": p_holm,
                  "replication": asdict(replication[key].contrast)}
            for (key, row), p_holm in zip(found.items(), adjusted)}


def lm_part(lm: LMReport) -> dict:
    """The LM summary: pretraining, calibration, per run the lr and per seed metrics, contrasts, RGF-3."""
    return {
        "scale": asdict(lm.scale),
        "pretrained": {seed: {k: v for k, v in s.items() if k != "config"} for seed, s in lm.pretrained.items()},
        "calibration": {k: v for k, v in lm.calibration.items() if k != "per_seed"},
        "runs": {name: {"lr": summary.lr, "hyper": summary.hyper,
                        "per_seed": {seed: asdict(m) for seed, m in lm.per_seed[name].items()}}
                 for name, summary in lm.runs.items()},
        "contrasts": contrast_rows(lm.contrasts, lm.replication),
        "rgf3": {name: {"discovery": asdict(row), "replication": asdict(lm.rgf3_replication[name])}
                 for name, row in lm.rgf3.items()},
    }


def bandit_part(bandit: BanditSummary) -> dict:
    """The bandit summary: identity family per radius, sampled distances, training returns and the EMP-3 contrast."""
    return {"scale": bandit.scale, "identity": asdict(bandit)["identity"], "sampled": asdict(bandit)["sampled"],
            "iteration": asdict(bandit)["iteration"], "contrasts": asdict(bandit)["contrasts"],
            "minimal_counterexample": bandit.minimal_counterexample}


def summary(preset: str, bandit: BanditSummary | None, lm: LMReport | None, verdicts: list[Verdict]) -> dict:
    """Everything the committed summary holds, rounded."""
    statuses = {v.id: {"status": v.status.value,
                       "substatements": {s.id: s.status.value for s in v.substatements}}
                for v in verdicts}
    found = {"preset": preset, "code": code_hash(), "verdicts": statuses}
    if bandit is not None:
        found["bandit"] = bandit_part(bandit)
    if lm is not None:
        found["lm"] = lm_part(lm)
    return rounded(found)


def markdown(found: dict) -> str:
    """The summary as Markdown tables: statuses, calibration, per run and seed metrics, contrasts."""
    lines = [f"# Experiments, `{found['preset']}` preset", "",
             f"Written by `python -m fiberpo_check experiments --preset {found['preset']}` from the cached runs (code "
             f"hash `{found['code']}`); every number below is in `experiments-{found['preset']}.json`.", "",
             "| claim | status | sub-statements |", "|---|---|---|"]
    for claim, row in sorted(found["verdicts"].items()):
        subs = "; ".join(f"{k.split('/', 1)[1]}: {v}" for k, v in row["substatements"].items())
        lines.append(f"| {claim} | {row['status']} | {subs} |")
    lm = found.get("lm")
    if lm:
        cal = lm["calibration"]
        lines += ["", f"## Learning-rate calibration (tuning seeds {cal['seeds']}, target drift {cal['target']})", "",
                  "| method | drift per lr factor | chosen lr | its drift | ratio to target | grid brackets target |",
                  "|---|---|---|---|---|---|"]
        for name, c in cal["chosen"].items():
            grid = ", ".join(f"x{f}: {d}" for f, d in c["grid"].items())
            lines.append(f"| {name} | {grid} | {c['lr']} | {c['drift']} | {c['ratio']} | {c['bracketed']} |")
        fields = ("reward_gain", "heldout_initial", "heldout_final", "token_fraction", "drift", "grad_clip_rate",
                  "log_peak_mean_ratio", "log_entropy_ratio", "collapsed")
        lines += ["", "## Per run and seed", "", "| run | seed | " + " | ".join(fields) + " |",
                  "|---|---|" + "---|" * len(fields)]
        for name, run in lm["runs"].items():
            for seed, m in run["per_seed"].items():
                lines.append(f"| {name} | {seed} | " + " | ".join(str(m[f]) for f in fields) + " |")
        lines += ["", "## EMP-4 contrasts (discovery seeds; Holm over the claim; replication on held-out seeds)", "",
                  "| contrast | runs | estimate [95% CI] | p | p (Holm) | detectable | replication estimate [CI] | "
                  "replication p |", "|---|---|---|---|---|---|---|---|"]
        for key, c in lm["contrasts"].items():
            r = c["replication"]
            lines.append(f"| {key} | {' - '.join(c['runs'])} | {c['estimate']} [{c['ci_low']}, {c['ci_high']}] | "
                         f"{c['p_value']} | {c['p_holm']} | {c['detectable_effect']} | {r['estimate']} "
                         f"[{r['ci_low']}, {r['ci_high']}] | {r['p_value']} |")
    return "\n".join(lines) + "\n"


def write(preset: str, bandit: BanditSummary | None, lm: LMReport | None, verdicts: list[Verdict],
          out_dir: Path | None = None) -> list[Path]:
    """Write reports/experiments-<preset>.json and .md."""
    out_dir = out_dir or paths.REPORTS
    out_dir.mkdir(parents=True, exist_ok=True)
    found = summary(preset, bandit, lm, verdicts)
    written = [out_dir / f"experiments-{preset}.json", out_dir / f"experiments-{preset}.md"]
    written[0].write_text(json.dumps(found, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    written[1].write_text(markdown(found))
    return written

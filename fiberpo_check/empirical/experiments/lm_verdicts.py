"""Ledger checks EMP-4 (the JoyAI §3.3 pattern in miniature) and RGF-3's empirical part (Claim 3.5: per-update
trajectory TV of GSPO without the min against sqrt(eps/2)), from the tiny-LM report (summaries.lm_report).

Every sub-statement is an empirical Outcome with a paired Contrast; the status follows from verdicts.decide. A
miniature never refutes a claim made at 48B scale: the worst it can say is opposite-tendency-in-miniature.
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace

from fiberpo_check.vocabulary.stats import PairedContrast
from fiberpo_check.empirical.experiments.summaries import LMReport, LMScale, Rgf3Row, RunContrast
from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.vocabulary.verdicts import (
    Contrast,
    Outcome,
    SubStatement,
    Verdict,
    make_verdict,
    substatements_text,
)

PRODUCER = "experiments"
JOYAI = "JoyAI-LLM Flash report (arXiv 2604.03044) §3.3"

# (key in the report's contrasts, sub-statement id, role, claimed sign, metric, the statement as published)
EMP4_STATEMENTS = (
    ("grpo_collapses", "EMP-4/grpo-collapses", "result", 1, "collapse rate, GRPO - FiberPO",
     "GRPO collapses after step 60 (entropy 0.038, mean IS ratio > 10^3, grad-norm x12)"),
    ("gspo_stagnates", "EMP-4/gspo-stagnates", "result", -1, "reward gain over the run, GSPO - FiberPO",
     "GSPO stagnates (entropy rises to 1.99, no accuracy gain)"),
    ("fiberpo_stable", "EMP-4/fiberpo-stable", "result", -1, "log peak mean IS ratio, FiberPO - GRPO",
     "FiberPO stays stable (mean IS ratio ~ 1.13, grad-norm x1.5) where GRPO does not"),
    ("fiberpo_token_efficient", "EMP-4/fiberpo-token-efficient", "result", -1,
     "tokens to the accuracy threshold, FiberPO - GRPO", "FiberPO is more token-efficient than the baselines"),
    ("fiberpo_keeps_entropy", "EMP-4/fiberpo-entropy", "remark", 1, "log(final/initial entropy), FiberPO - GRPO",
     "FiberPO keeps its entropy (~0.43) while GRPO's collapses (0.038)"),
    ("fiberpo_final_accuracy", "EMP-4/fiberpo-final-accuracy", "remark", 1,
     "final held-out accuracy, FiberPO - GRPO", "FiberPO ends more accurate (AIME24 0.668 -> 0.786)"),
)


def scale_text(scale: LMScale, runs: tuple[str, ...]) -> str:
    """Parameters, mean/max response length, seeds, steps and whether the budgets were matched by measured drift."""
    stress = runs[0].startswith("stress/")
    steps = f"{scale.stress_steps} stress steps" if stress else f"{scale.steps} steps"
    drift = ", ".join(f"{name} {scale.run_drift[name]:.3g}" for name in runs)
    return (f"{scale.parameters / 1e3:.0f}k params, response mean {scale.mean_response:.0f} / max "
            f"{scale.max_response} tokens, {scale.seeds} seeds, {steps}, budgets matched by drift: "
            f"{'yes' if scale.matched(runs) else 'no'} (TV/update {drift})")


def contrast_outcome(row: PairedContrast, claimed_sign: int, metric: str, scale: str, matched: bool) -> Outcome:
    """An empirical Outcome of one paired contrast (stats.paired_contrast / paired_sign_contrast)."""
    contrast = Contrast(metric, claimed_sign, row.estimate, row.ci_low, row.ci_high, row.p_value, scale, matched,
                        row.detectable_effect)
    return Outcome("empirical", "training", scale, contrast=contrast, measurements=asdict(row))


@register("EMP-4", PRODUCER, controls={
    "no effect anywhere": lambda: emp4(synthetic_report(0)),
    "every effect reversed": lambda: emp4(synthetic_report(-1)),
}, positives={"every effect as claimed": lambda: emp4(synthetic_report(1))})
def emp4(report: LMReport) -> list[SubStatement]:
    """The JoyAI pattern, one paired contrast per published statement (stress runs for collapse and stability)."""
    found = []
    for key, sub_id, role, sign, metric, text in EMP4_STATEMENTS:
        row = report.contrasts[key]
        stress = " (stress runs)" if row.runs[0].startswith("stress/") else ""
        where = scale_text(report.scale, row.runs)
        outcome = contrast_outcome(row.contrast, sign, metric + stress, where, report.scale.matched(row.runs))
        found.append(SubStatement(sub_id, text, JOYAI, (outcome,), role))
    return found


@register("RGF-3", PRODUCER, controls={
    "TV above the bound": lambda: rgf3(synthetic_rgf3(+1)),
    "TV indistinguishable from the bound": lambda: rgf3(synthetic_rgf3(0)),
})
def rgf3(report: LMReport) -> list[SubStatement]:
    """Claim 3.5 measured: per learning rate, the per-seed mean of (trajectory-normalised TV per update - sqrt(eps/2))
    of GSPO without the min; claimed below the bound at every learning rate."""
    scale = report.scale
    outcomes = []
    for row in report.rgf3.values():
        where = (f"{scale.parameters / 1e3:.0f}k params, response mean {scale.mean_response:.0f} / max "
                 f"{scale.max_response} tokens, GSPO without min, lr {row.lr:g}, {row.seeds} seeds, "
                 f"{row.updates} updates")
        outcome = contrast_outcome(row.excess, -1, "mean trajectory TV per update - sqrt(eps/2)", where, True)
        outcomes.append(replace(outcome, measurements={
            **outcome.measurements, "lr": row.lr, "bound": row.bound, "mean_tv": row.mean_tv, "max_tv": row.max_tv,
            "within_frac": row.within_frac}))
    eps = next(iter(report.rgf3.values())).bound ** 2 * 2 if report.rgf3 else float("nan")
    text = (f"GSPO (without the min) keeps the trajectory-normalised average TV per update "
            f"D_TV^(tj) <= delta ~ sqrt(eps/2) = {math.sqrt(eps / 2):.4g} at eps = {eps:g}")
    return [SubStatement("RGF-3/claim-3.5-measured", text, "p. 5, Claim 3.5; p. 32, App. C.6; D^(tj)_TV: p. 24, eq 45",
                         tuple(outcomes))]


def lm_verdicts(report: LMReport) -> list[Verdict]:
    """The EMP-4 and RGF-3 verdicts of a tiny-LM report, with their evidence and the report's numbers as details."""
    found = []
    scale = asdict(report.scale)
    for claim_id, check, details in (
            ("EMP-4", emp4, {"contrasts": {k: asdict(v) for k, v in report.contrasts.items()}, "scale": scale}),
            ("RGF-3", rgf3, {"rgf3": {k: asdict(v) for k, v in report.rgf3.items()}, "scale": scale})):
        substatements = check(report)
        found.append(make_verdict(claim_id, PRODUCER, substatements, substatements_text(substatements), details))
    return found


# ---------------------------------------------------------------- synthetic reports for the negative controls


def synthetic_row(sign: int, claimed: int) -> PairedContrast:
    """A decided paired contrast agreeing (sign = +1) or disagreeing (-1) with the claim, or no effect (0)."""
    estimate = sign * claimed * 1.0
    low, high, p = (estimate - 0.2, estimate + 0.2, 0.001) if sign else (-1.0, 1.0, 0.9)
    return PairedContrast(estimate, low, high, p, 5, "paired t", 0.5)


SYNTHETIC_SCALE = LMScale(parameters=100_000, mean_response=33.0, max_response=58, seeds=5, steps=30, stress_steps=20,
                          tolerance=1.5, run_drift={"grpo": 0.01, "fiberpo": 0.011})


def synthetic_report(sign: int, rgf3_rows: dict | None = None) -> LMReport:
    """An EMP-4 report whose every contrast agrees with the pattern (+1), contradicts it (-1) or shows nothing (0)."""
    contrasts = {key: RunContrast(key, ("fiberpo", "grpo"), synthetic_row(sign, claimed))
                 for key, _, _, claimed, _, _ in EMP4_STATEMENTS}
    return LMReport({}, contrasts, rgf3_rows or {}, SYNTHETIC_SCALE, {}, {})


def synthetic_rgf3(sign: int) -> LMReport:
    """An RGF-3 report whose TV lies below (sign = -1), above (+1) or indistinguishably near (0) the bound."""
    bound = math.sqrt(4e-4 / 2)
    row = Rgf3Row(lr=3e-4, bound=bound, mean_tv=bound * (1 + 0.5 * sign), max_tv=2 * bound, within_frac=0.5,
                  excess=synthetic_row(sign, 1), seeds=5, updates=50)
    return synthetic_report(0, {"rgf3/lr0.0003": row})

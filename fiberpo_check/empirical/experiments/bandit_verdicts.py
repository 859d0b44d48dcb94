"""APC-6 (Thm D.10 with exact maximisers) and EMP-3 (APC-Obj ≡ TV-TRPO in bandit training), from the bandit run."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, replace
from fractions import Fraction

import numpy as np

from fiberpo_check.vocabulary.stats import Interval, t_interval
from fiberpo_check.empirical.training.bandit_exact import apc_state_gain
from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.vocabulary.verdicts import Outcome, SubStatement, Verdict, make_verdict, substatements_text

PRODUCER = "experiments"
EXACT_ENGINE = ("exact-rationals (every vertex of APC-Obj's linear pieces over the policy simplex; penalised TV-TRPO "
                "of eq 67 maximised exactly over policies)")
REACH = 0.99  # first-order ascent "reaches" the maximiser when it attains this fraction of the exact gain


@dataclass(frozen=True)
class RadiusSummary:
    """One radius of the identity family: how many bandits match Thm D.3, and the first failing case."""

    gamma: float | None
    delta: Interval
    cases: int
    apc_is_closed_form: int
    closed_form_policy: int
    apc_is_closed_form_when_policy: int
    apc_is_tv_trpo_over_policies: int
    apc_is_tv_trpo_when_policy: int
    case: str


@dataclass(frozen=True)
class SampledSummary:
    """Sampled pulls ((65) approximate) at one pull count: distance of APC-Obj's exact maximiser to penalised TV-TRPO's
    (eq 67) and to Thm D.3's update."""

    dist_tv_trpo: Interval
    dist_closed_form: Interval
    apc_is_tv_trpo_frac: float
    unpulled_arms: float


@dataclass(frozen=True)
class ReturnContrast:
    """Paired (same env and pulls) difference of the mean return over iterations, absolute and as a fraction of the
    optimum-minus-initial gap."""

    mean_return: Interval
    relative: Interval
    max_abs_return_gap: float


@dataclass(frozen=True)
class BanditSummary:
    """What the APC-6 and EMP-3 checks and the bandit figures read from a bandit run."""

    identity: dict[str, dict[str, RadiusSummary]]
    minimal_counterexample: str
    first_order: list
    sampled: dict[str, SampledSummary]
    iteration: dict[str, dict[str, Interval]]
    contrasts: dict[str, ReturnContrast]
    optimum: Interval
    return_gap: float
    scale: dict
    margin: float


def bandit_summary(result: dict) -> BanditSummary:
    """Identity family per radius, first-order table, sampled distances per pull count, training contrasts."""
    identity = {}
    for row in result["exact"]:
        identity.setdefault(row["family"], {}).setdefault(row["radius"], []).append(row)
    sampled = {}
    for row in result["sampled"]:
        sampled.setdefault(str(row["pulls"]), []).append(row)
    curves = {m: np.asarray(runs) for m, runs in result["iteration"]["returns"].items()}
    start = curves["tv_trpo_exact"][:, 0]
    gap = float(np.mean(result["iteration"]["optimum"]) - start.mean())
    return BanditSummary(
        identity={family: {radius: radius_summary(rows) for radius, rows in by_radius.items()}
                  for family, by_radius in identity.items()},
        minimal_counterexample=result["minimal_counterexample"],
        first_order=result["first_order"],
        sampled={pulls: SampledSummary(
            dist_tv_trpo=t_interval([r["dist_apc_tv_trpo"] for r in rows]),
            dist_closed_form=t_interval([r["dist_apc_closed_form"] for r in rows]),
            apc_is_tv_trpo_frac=float(np.mean([r["apc_is_tv_trpo_over_policies"] for r in rows])),
            unpulled_arms=float(np.mean([r["unpulled_arms"] for r in rows])),
        ) for pulls, rows in sorted(sampled.items(), key=lambda kv: int(kv[0]))},
        iteration={m: {"final": t_interval(c[:, -1]), "mean_return": t_interval(c.mean(axis=1))}
                   for m, c in curves.items()},
        contrasts={m: paired(curves[m], curves["tv_trpo_exact"], gap) for m in ("apc_exact", "apc") if m in curves},
        optimum=t_interval(result["iteration"]["optimum"]),
        return_gap=gap,
        scale={k: result["config"][k] for k in ("states", "arms", "pulls", "problems", "fractional_problems")}
        | {"iteration": {k: result["config"]["iteration"][k] for k in ("seeds", "pulls_per_state", "iterations")},
           "sample_delta": result["config"]["sample_delta"]},
        margin=result["config"]["equivalence_margin"],
    )


def radius_summary(rows: list[dict]) -> RadiusSummary:
    """One radius of the identity family: how many bandits match Thm D.3, and the first failing case (APC-Obj against
    penalised TV-TRPO first, then against the closed form)."""
    policy = [r for r in rows if r["closed_form_policy"]]
    failing = [r for r in rows if r["case"]]
    return RadiusSummary(
        gamma=rows[0]["gamma"], delta=t_interval([r["delta"] for r in rows]), cases=len(rows),
        apc_is_closed_form=sum(r["apc_is_closed_form"] for r in rows),
        closed_form_policy=len(policy),
        apc_is_closed_form_when_policy=sum(r["apc_is_closed_form"] for r in policy),
        apc_is_tv_trpo_over_policies=sum(r["apc_is_tv_trpo_over_policies"] for r in rows),
        apc_is_tv_trpo_when_policy=sum(r["apc_is_tv_trpo_over_policies"] for r in policy),
        case=failing[0]["case"] if failing else "",
    )


def paired(method: np.ndarray, reference: np.ndarray, gap: float) -> ReturnContrast:
    """Paired (same env and pulls) difference of the mean return over iterations, absolute and as a fraction of the
    mean optimum-minus-initial gap, with a t interval."""
    diff = method.mean(axis=1) - reference.mean(axis=1)
    return ReturnContrast(t_interval(diff), t_interval(diff / gap), float(np.abs(method - reference).max()))


def identity_outcome(radii: list[str], family: dict, counterexample: str, scale: dict, domain_note: str,
                     condition_family: dict | None = None, condition: str = "") -> Outcome:
    """Exhaustive outcome: the exact APC-Obj maximiser over policies equals the exact penalised TV-TRPO maximiser over
    policies (eq 67) and Thm D.3's update in every case of the named radii.

    When it does not, the outcome names the condition (the closed form is a policy, and for `condition_family`,
    integer multiplicities) and whether the statement held in every case satisfying it."""
    rows = [family[r] for r in radii if r in family]
    cases = sum(r.cases for r in rows)
    equal = sum(r.apc_is_closed_form for r in rows)
    same_as_tv = sum(r.apc_is_tv_trpo_over_policies for r in rows)
    under = condition_family or family
    kept = [under[r] for r in radii if r in under]
    condition_holds = all(r.apc_is_closed_form_when_policy == r.closed_form_policy == r.apc_is_tv_trpo_when_policy
                          for r in kept)
    return Outcome(
        "exhaustive", EXACT_ENGINE,
        f"{cases // max(len(rows), 1)} bandits x {scale['states']} states x {scale['arms']} arms, {domain_note}, "
        f"radii {', '.join(radii)}",
        holds=equal == cases == same_as_tv,
        counterexample=counterexample or next((r.case for r in rows if r.case), ""),
        condition=condition or "the closed form is a policy: delta <= 2 min_a pi_old(a|s) (r >= 0)",
        condition_holds=condition_holds,
        measurements={"cases": cases, "apc_is_closed_form": equal,
                      "closed_form_policy": sum(r.closed_form_policy for r in rows),
                      "apc_is_tv_trpo_over_policies": same_as_tv,
                      "per_radius": {r: {"cases": family[r].cases, "apc_is_closed_form": family[r].apc_is_closed_form,
                                         "apc_is_tv_trpo_over_policies": family[r].apc_is_tv_trpo_over_policies,
                                         "closed_form_policy": family[r].closed_form_policy}
                                     for r in radii if r in family}},
    )


LLM_GRID = {"delta": (Fraction(1, 10), Fraction(1, 2), Fraction(1)),
            "advantage": (Fraction(-1), Fraction(1, 3), Fraction(2)),
            "deviation": tuple(Fraction(k, 8) for k in range(-8, 17))}


def llm_regime_outcome(bound_uses_own_entry: bool = False) -> Outcome:
    """T_s = 1: APC-Obj's entry is clip(Delta, B) A with B = T_s delta - (other entries at s) = delta, i.e.
    clip(r, 1 +- delta) A, checked exactly (eq 57 through apc_state_gain) on a grid of Delta, delta and A.

    `bound_uses_own_entry` is the negative control: the entry's own |Delta| also subtracted from its bound."""
    failures, cases = [], list(itertools.product(*LLM_GRID.values()))
    for delta, adv, dev in cases:
        counts, advantages, deviation = (Fraction(1), Fraction(0)), (adv, Fraction(0)), (dev, Fraction(0))
        gain = apc_state_gain(counts, advantages, delta - abs(dev) if bound_uses_own_entry else delta, deviation)
        if gain != adv * max(-delta, min(dev, delta)):
            failures.append(f"delta = {delta}, A = {adv}, Delta = {dev}: APC-Obj entry {gain}, "
                            f"clip(Delta, +-delta) A = {adv * max(-delta, min(dev, delta))}")
    sizes = " x ".join(f"{len(v)} {k}" for k, v in LLM_GRID.items())
    return Outcome("exhaustive", "exact-rationals (eq 57, one sampled pair per state)",
                   f"T_s = 1, grid {sizes} (Delta in [-1, 2] step 1/8)", holds=not failures,
                   counterexample=failures[0] if failures else "",
                   measurements={"cases": len(cases), "failures": len(failures)})


def first_order_outcome(rows: list[dict]) -> Outcome:
    """Metric: the best first-order setting reaches REACH of the exact APC-Obj gain in the median problem."""
    best = {}
    for row in rows:
        key = row["radius"]
        if key not in best or row["gain_fraction_median"] > best[key]["gain_fraction_median"]:
            best[key] = row
    return Outcome(
        "metric", "torch (Adam, SGD on softmax logits)",
        f"{len({r['optimiser'] for r in rows})} optimisers x {len({r['lr_per_delta'] for r in rows})} learning "
        f"rates x steps {sorted({r['steps'] for r in rows})}, radii {', '.join(best)}",
        holds=all(b["gain_fraction_median"] >= REACH for b in best.values()),
        measurements={"best": best, "reach": REACH},
    )


def sampled_outcome(sampled: dict[str, SampledSummary], delta: float) -> Outcome:
    """Sampled pulls ((65) approximate): is the exact APC-Obj maximiser over policies still penalised TV-TRPO's
    (eq 67)? Error per pull count, beside the distance to Thm D.3's closed form."""
    worst = {p: s.dist_tv_trpo.mean for p, s in sampled.items()}
    return Outcome(
        "exhaustive", EXACT_ENGINE, f"sampled pulls per state {', '.join(sampled)}, delta = {delta}",
        holds=all(d == 0 for d in worst.values()),
        error="mean relative distance to penalised TV-TRPO's maximiser " + ", ".join(
            f"{d:.3g} at {p} pulls" for p, d in worst.items()),
        measurements={p: {"dist_tv_trpo": asdict(s.dist_tv_trpo), "dist_closed_form": asdict(s.dist_closed_form),
                          "apc_is_tv_trpo_frac": s.apc_is_tv_trpo_frac} for p, s in sampled.items()},
    )


def apc6_substatements(summary: BanditSummary) -> list[SubStatement]:
    """Thm D.10 at the paper's radius, at relaxed radii, with fractional multiplicities, sampled, T_s = 1, and the
    first-order gap (a statement about optimisers, not about Thm D.10). At T_s = 1 only APC-Obj's side is checkable:
    TV-TRPO's update there is zero by definition, since (66) makes a state's single advantage 0, so M(s) = t* = 0."""
    integer, scale = summary.identity["integer"], summary.scale
    paper = [r for r in integer if r.startswith("paper")]
    relaxed = [r for r in integer if r.startswith("relaxed")]
    fractional = summary.identity.get("fractional", {})
    return [
        SubStatement("APC-6/thm-D10", "Under (65) and (66), APC-Obj at delta^(APC-Obj) and sample-based TV-TRPO (the "
                     "penalised objective of Def D.1, eq 67) give the same policy update, Delta* = t* Delta-hat* "
                     "(Thm D.3)", "p. 39, Thm D.10; p. 34, eq 67",
                     (identity_outcome(paper, integer, summary.minimal_counterexample, scale,
                                       f"integer multiplicities n >= 1 summing to T_s = {scale['pulls']}, "
                                       "pi_old = n / T_s, centred A"),)),
        SubStatement("APC-6/relaxed-delta", "The delta-relaxed APC-Obj keeps the TV-TRPO update at any radius delta: "
                     "its maximiser is delta Delta-hat*, the maximiser of eq 67 with the penalty that puts its "
                     "optimum at radius delta", "p. 2, §3 (decoupling the radius)",
                     (identity_outcome(relaxed, integer, "", scale,
                                       f"integer multiplicities, T_s = {scale['pulls']}"),),
                     role="remark"),
        SubStatement("APC-6/multiplicities", "Thm D.10 applied to expected multiplicities n = T_s pi_old < 1 (the "
                     "exact-expectation bandit)", "p. 38, Lemma D.9 (N = 2 sum n in 2N)",
                     (identity_outcome(list(fractional), fractional, "", scale, "multiplicities n = pi_old < 1",
                                       integer,
                                       "integer multiplicities n >= 1 (Lemma D.9's N >= 2) and the closed form is a "
                                       "policy"),), role="remark"),
        SubStatement("APC-6/sampled", "(65) only approximately (sampled pulls): APC-Obj's maximiser over policies "
                     "against penalised TV-TRPO's (eq 67)", "App. D.1, (65)",
                     (sampled_outcome(summary.sampled, scale["sample_delta"]),), role="remark"),
        SubStatement("APC-6/llm-regime", "T_s = 1 (LLM regime): APC-Obj's clip bound is delta, so APC-Obj is "
                     "clip(r, 1 +- delta) A without a min", "eq 57", (llm_regime_outcome(),), role="remark"),
        SubStatement("APC-6/first-order", "First-order ascent on theta (Adam, SGD) reaches the exact APC-Obj "
                     f"maximiser (>= {REACH:.0%} of its gain)", "§3 (APC-Obj used as a training loss)",
                     (first_order_outcome(summary.first_order),), role="remark"),
    ]


def equivalence_outcome(contrast: ReturnContrast, margin: float, scale: dict, engine: str) -> Outcome:
    """Metric: the paired mean-return difference's 95% interval lies within +- margin of the return gap."""
    rel = contrast.relative
    return Outcome(
        "metric", engine,
        f"{len(scale['iteration']['seeds'])} seeds, {scale['states']} states x {scale['arms']} arms, "
        f"{scale['iteration']['pulls_per_state']} pulls/state, {scale['iteration']['iterations']} iterations, "
        f"delta = {scale['sample_delta']}",
        holds=rel.low >= -margin and rel.high <= margin,
        measurements={"relative_difference": asdict(rel), "mean_return_difference": asdict(contrast.mean_return),
                      "max_abs_return_gap": contrast.max_abs_return_gap, "margin": margin},
    )


def emp3_substatements(summary: BanditSummary) -> list[SubStatement]:
    """Training with the exact maximiser of each objective (the objective tested), and with Adam (the optimiser)."""
    scale, margin, contrasts = summary.scale, summary.margin, summary.contrasts
    found = [SubStatement(
        "EMP-3/exact-training", "APC-Obj ≡ TV-TRPO in bandit training: the same returns when each objective is "
        "maximised exactly on the same pulls", "Thm D.10 in practice",
        (equivalence_outcome(contrasts["apc_exact"], margin, scale, "exact-rationals maximisers, same pulls"),))]
    if "apc" in contrasts:
        found.append(SubStatement(
            "EMP-3/adam-training", "The same with APC-Obj ascended by Adam on theta (the optimiser, not the objective)",
            "Thm D.10 in practice", (equivalence_outcome(contrasts["apc"], margin, scale, "torch Adam"),),
            role="remark"))
    return found


def control_summary(gammas: tuple[float, ...] = (0.05, 0.9), radius_scale: int = 1) -> BanditSummary:
    """A tiny bandit run: `gammas` for the paper's radii; radius_scale != 1 mutates APC-Obj's radius (its exact
    maximiser and its training run use radius_scale x delta while TV-TRPO keeps delta)."""
    from fiberpo_check.empirical.experiments import bandit_experiment
    from fiberpo_check.empirical.experiments.presets import preset

    cfg = preset("quick")["bandit"]
    cfg.update(problems=2, fractional_problems=1, sample_sizes=[16], sample_seeds=1, gammas=list(gammas), deltas=[0.1],
               apc_radius_scale=radius_scale)
    cfg["first_order"].update(problems=1, steps=[5], radii=["relaxed 0.1"])
    cfg["iteration"].update(seeds=[0, 1, 2], iterations=3)
    cfg["methods"] = {**cfg["methods"], "apc": {"delta": radius_scale * cfg["methods"]["apc"]["delta"]}}
    return bandit_summary({**bandit_experiment.run(cfg), "config": cfg})


def identical_training(summary: BanditSummary) -> BanditSummary:
    """A summary whose exact-maximiser training contrast is exactly zero (both objectives gave the same returns)."""
    zero = Interval(0.0, 0.0, 0.0, len(summary.scale["iteration"]["seeds"]))
    return replace(summary, contrasts={"apc_exact": ReturnContrast(zero, zero, 0.0)})


@register("APC-6", PRODUCER, controls={
    "apc-at-twice-the-radius": lambda: apc6_substatements(control_summary(radius_scale=2)),
    "gamma-0.05-closed-form-off-simplex": lambda: apc6_substatements(control_summary(gammas=(0.05,))),
})
def apc6_check(summary: BanditSummary | None = None) -> list[SubStatement]:
    """APC-6's sub-statements from a bandit summary (default: the tiny run of control_summary, unmutated)."""
    return apc6_substatements(summary or control_summary())


@register("EMP-3", PRODUCER, controls={
    "apc-trained-at-twice-the-radius": lambda: emp3_substatements(control_summary(radius_scale=2)),
}, positives={"identical-returns": lambda: emp3_substatements(identical_training(control_summary()))})
def emp3_check(summary: BanditSummary | None = None) -> list[SubStatement]:
    """EMP-3's sub-statements from a bandit summary (default: the tiny run of control_summary, unmutated)."""
    return emp3_substatements(summary or control_summary())


def bandit_verdicts(summary: BanditSummary) -> list[Verdict]:
    """APC-6 and EMP-3 as verdicts."""
    found = []
    for claim, check in (("APC-6", apc6_check), ("EMP-3", emp3_check)):
        subs = check(summary)
        found.append(make_verdict(claim, PRODUCER, subs, substatements_text(subs), {"scale": summary.scale}))
    return found

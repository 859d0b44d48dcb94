"""`make verify`: run the Jacobian, hierarchy, regime and exact-enumeration checks, write results and verdicts."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import torch

from ..verdicts import ROOT, Verdict
from . import first_order, jacobian_suite, regime_map
from .rgf_forms import rgf_forms_verdict
from .exact_surrogates import MATCHED_HYPER
from .jacobian_probes import (
    GateHyper,
    block_leak,
    eq20_probe_gap,
    extremal_batch,
    identity_defect,
    identity_gap,
    identity_radius,
    identity_radius_check,
)
from .mutants import MUTANTS, mutant_map
from .probe_batches import hierarchy_ids, mixed_regime_batch, random_lengths

RESULTS = ROOT / "results" / "verify"
PRODUCER = "verify"
PRESETS = {
    "quick": {"tokens": [10_000, 100_000], "directions": 1, "epochs": 8, "tree": (3, 3)},
    "default": {"tokens": [10_000, 100_000, 1_000_000], "directions": 3, "epochs": 30, "tree": (3, 4)},
    "full": {"tokens": [10_000, 100_000, 1_000_000, 4_000_000], "directions": 8, "epochs": 60, "tree": (3, 5)},
}
MACHINE = 1e-12  # relative gap counted as agreement to machine precision (float64)


def machine_tolerance(dtype: torch.dtype) -> float:
    """Agreement threshold of the probes run in `dtype`: 1e-12 in float64, scaled by the dtype's epsilon otherwise."""
    return max(MACHINE, 1e4 * torch.finfo(dtype).eps)


def write_json(name: str, payload, out_dir: Path) -> Path:
    """results/verify/<name>.json, deterministic."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=float) + "\n")
    return path


def write_csv(name: str, rows: list[dict], out_dir: Path) -> Path:
    """results/verify/<name>.csv with the rows' keys as header."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def mutant_rejections(hyper: GateHyper, seed: int = 0) -> dict[str, dict]:
    """Each negative-control gate run through the check it must fail (eq 20, block leak, identity)."""
    lengths = random_lengths(16, 12, seed=seed)
    log_ratio, mask = mixed_regime_batch(lengths, c_pos=hyper.c_pos, c_neg=hyper.c_neg, seed=seed)
    out = {}
    for name, (_, prop) in MUTANTS.items():
        fn = mutant_map(name, mask, hyper)
        if prop == "eq20":
            gaps = eq20_probe_gap(log_ratio, mask, hyper, fn=fn, seed=seed)
            measure = max(gaps.values())
        elif prop == "block_diagonal":
            measure = block_leak(fn, log_ratio, mask, torch.arange(mask.shape[0]), seed=seed)
        else:
            measure = identity_gap(mask, hyper, fn=fn, seed=seed)["jvp"]
        out[name] = {"property": prop, "measure": measure, "rejected": measure > 1e-6}
    return out


def verdict(claim: str, ok: bool, controls_ok: bool, evidence: str, details: dict, *, partial: bool = False) -> Verdict:
    """verified-numerically / holds-with-conditions / refuted from the outcome; inconclusive if a control passed."""
    if not controls_ok:
        return Verdict(claim, "not-yet-checked", "negative control not rejected, check inconclusive: " + evidence,
                       PRODUCER, details)
    status = "verified-numerically" if ok and not partial else ("holds-with-conditions" if ok or partial else "refuted")
    return Verdict(claim, status, evidence, PRODUCER, details)


def jacobian_verdicts(preset: dict, device: str, dtype: torch.dtype, out_dir: Path, say) -> list[Verdict]:
    """FPO-2..5 from regime probes, the dense cross-check, the scaling run and the identity radius."""
    hyper = GateHyper()
    say("Jacobian probes: every base-gate regime pair (eq 20, Prop 5.3)")
    regimes = jacobian_suite.regime_rows(hyper, device=device, dtype=dtype)
    dense = jacobian_suite.dense_cross_check(hyper)
    say("Jacobian probes: scaling run (tokens -> seconds)")
    scaling = jacobian_suite.scaling_rows(preset["tokens"], hyper, device=device, dtype=dtype,
                                          progress=lambda row: say(f"  {row['tokens']:>9,d} tokens  "
                                                                   f"{row['seconds']:7.2f} s"))
    exponent = jacobian_suite.scaling_exponent(scaling)
    separation = jacobian_suite.scale_separation_rows(hyper)
    radius = {length: identity_radius_check(length, hyper) for length in (1, 2, 8, 64, 512)}
    controls = mutant_rejections(hyper)
    write_json("jacobian", {"regimes": regimes, "dense": dense, "scale_separation": separation,
                            "identity_radius": radius, "negative_controls": controls,
                            "scaling_exponent": exponent}, out_dir)
    write_csv("jacobian_scaling", scaling, out_dir)
    say(scaling_table(scaling, exponent))

    tol = machine_tolerance(dtype)
    eq20_gap = max(max(r["eq20_jvp"], r["eq20_vjp"]) for r in regimes + scaling)
    leak = max([r["trajectory_leak"] for r in regimes + scaling] + [dense["off_block_max"]])
    ident = max(max(r["identity_value"], r["identity_jvp"]) for r in scaling)
    inside = max(r["inside_defect"] for r in radius.values())
    outside = min(r["outside_defect"] for r in radius.values())
    rejected = {name: c["rejected"] for name, c in controls.items()}
    biggest = scaling[-1]
    pass_rows = [r for r in separation if r["regime"] != "rollback"]
    rollback_rows = [r for r in separation if r["regime"] == "rollback"]
    one_over_t = all(r["coupling_entry_max_times_T"] <= 2.0 + 1e-12 for r in pass_rows)
    rollback_o1 = min(r["coupling_entry_max"] for r in rollback_rows)
    return [
        verdict("FPO-2", eq20_gap <= tol and dense["eq20_blocks"] <= MACHINE,
                rejected["detached_aggregates"] and rejected["unit_rollback_slope"],
                f"Autodiff JVP and VJP equal the O(tokens) eq-20 closed form in all 9 (C+, C-) regime pairs and at "
                f"{biggest['tokens']:,} tokens: max relative gap {eq20_gap:.1e}; dense autodiff blocks vs eq 20 "
                f"{dense['eq20_blocks']:.1e}. Rejected: stop-gradient aggregates and rollback slope -1.",
                {"max_gap": eq20_gap, "dense": dense, "controls": controls}),
        verdict("FPO-3", leak == 0.0, rejected["batch_pooled_aggregates"],
                f"JVP probes supported on a random half of the trajectories never reach the other half: max leak "
                f"{leak:.1e} (exactly 0) in every regime and at {biggest['tokens']:,} tokens; dense off-block max "
                f"{dense['off_block_max']:.1e}. Rejected: batch-pooled aggregates "
                f"(leak {controls['batch_pooled_aggregates']['measure']:.2g}).", {"max_leak": leak}),
        verdict("FPO-4", ident <= tol and inside <= 1e-15 and outside > 0,
                rejected["missing_opposite_factor"],
                f"At r = 1 and at mixed-sign points 1e-6 away: G = r and J v = v to {ident:.1e}. G is exactly the "
                f"identity on the sup-norm ball max|log r| <= min(C+, C-, eps T/(T-1)) (T the longest trajectory; "
                f"min(C+, C-) for T = 1): defect {inside:.1e} inside, >= {outside:.1e} just outside (T in 1..512). "
                f"Rejected: a fiber gate without its opposite-sign factor (identity at the kink r = 1 but not "
                f"beside it). A stop-gradient implementation passes this check (it fails FPO-2).",
                {"identity_gap": ident, "radius": radius}),
        verdict("FPO-5", one_over_t, rollback_o1 > 0.5,
                f"Coupling term (b) of eq 20 has max entry exactly 1/T in pass-through and zeroed regimes "
                "(T = 4..256) but ~1 in the rollback regime (gamma = -T cancels the 1/T: min "
                f"{rollback_o1:.3f}), where "
                f"its operator norm grows like T; the self term (a) is O(1) throughout. Scale separation holds "
                f"only while neither channel is in rollback (and the coupling's operator norm is O(1), not O(1/T)).",
                {"rows": separation}, partial=rollback_o1 > 0.5),
    ]


def scaling_table(rows: list[dict], exponent: float) -> str:
    """The tokens -> seconds table printed by `make verify`."""
    lines = ["  tokens        trajectories   seconds   eq20 gap   leak", "  " + "-" * 56]
    for r in rows:
        gap = max(r["eq20_jvp"], r["eq20_vjp"])
        lines.append(f"  {r['tokens']:>11,d}   {r['trajectories']:>10,d}   {r['seconds']:7.2f}   {gap:8.1e}   "
                     f"{r['trajectory_leak']:.0e}")
    lines.append(f"  best of 2, one CPU thread; log-log slope of seconds vs tokens (>= 1e5 tokens): {exponent:.2f} "
                 f"(1 = linear)")
    return "\n".join(lines)


def hierarchy_verdicts(out_dir: Path, say) -> list[Verdict]:
    """FGH-2 (engine vs closed form), FGH-3 (identity at on-policy), FGH-4 (independence, block structure)."""
    from ..fibration import gated_ratios
    from ..fibration_objects import fiberpo_domain_instance
    from ..objectives.fiberpo_domain import fiberpo_domain_gate, fiberpo_domain_parts

    say("FiberPO-Domain: FGH engine, identity, Jacobian structure")
    lengths = random_lengths(24, 16, seed=3)
    log_ratio, mask = mixed_regime_batch(lengths, c_pos=0.12, c_neg=0.08, seed=3)
    group, domain = hierarchy_ids(24, 3, 2)
    budgets = {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02}
    closed = fiberpo_domain_gate(log_ratio, mask, group, domain, **budgets)[mask]
    engine_gap = max(float((gated_ratios(fiberpo_domain_instance(mask, group, domain, **budgets), log_ratio[mask],
                                         form) - closed).abs().max()) for form in ("compact", "expanded"))
    wrong_domain = group % 4  # same groups, assigned to the wrong domains
    control_gap = float((gated_ratios(fiberpo_domain_instance(mask, group, wrong_domain, **budgets),
                                      log_ratio[mask]) - closed).abs().max())
    hyper = GateHyper(0.12, 0.08, 0.02, group, domain)
    ident = identity_gap(mask, hyper)
    ball_defect = domain_identity_ball_defect(length=16)
    mutant = identity_gap(mask, hyper, fn=mutant_map("missing_opposite_factor", mask, hyper))["jvp"]
    structure = jacobian_suite.domain_structure_rows()
    per_level = {"domain": 0.2, "group": 0.1, "trajectory": 0.05}
    base = fiberpo_domain_parts(log_ratio, mask, group, domain, c_pos=per_level, c_neg=per_level, eps=0.02)
    changed = fiberpo_domain_parts(log_ratio, mask, group, domain, c_pos={**per_level, "group": 1e-3},
                                   c_neg={**per_level, "domain": 1e-3}, eps=0.02)
    input_shift = max(float((base.base_gates[key][0] - changed.base_gates[key][0]).abs().max())
                      for key in base.base_gates)
    write_json("hierarchy", {"identity_ball_defect": ball_defect, "engine_gap": engine_gap, "engine_control_gap": control_gap, "identity": ident,
                             "identity_control": mutant, "structure": structure,
                             "input_shift_under_budget_change": input_shift}, out_dir)
    pass_leak = structure[0]["trajectory_leak"]
    gated = structure[1:]
    domain_leak = max(r["domain_leak"] for r in structure)
    coupled = min(r["trajectory_leak"] for r in gated)
    prediction = max(r["prediction_gap"] for r in structure)
    return [
        verdict("FGH-2", engine_gap <= MACHINE, control_gap > 1e-6,
                f"The generic FGH engine with the App. E.7 objects (compact eq 27 and expanded eq 26) reproduces the "
                f"FiberPO-Domain closed form (eqs 30-33) on a 24-trajectory, {int(group.max()) + 1}-group, "
                f"{int(domain.max()) + 1}-domain batch in mixed regimes: "
                f"max gap {engine_gap:.1e}. Rejected: the engine built with wrong domain ids (gap {control_gap:.2g}).",
                {"gap": engine_gap, "control_gap": control_gap}),
        verdict("FGH-3", max(ident.values()) <= MACHINE and ball_defect <= 1e-15, mutant > 1e-6,
                f"FiberPO-Domain at r = 1 and 1e-6 beside it: G = r and J v = v to {max(ident.values()):.1e}; G = r "
                f"exactly on FiberPO's identity ball too (random and extremal points, groups of 3, domains of 2 groups:"
                f" defect {ball_defect:.1e}); the exact-enumeration first-order agreement is in EMP-1. Rejected: "
                f"fiber gate without opposite factor ({mutant:.2g}).", {"identity": ident, "ball": ball_defect}),
        verdict("FGH-4", input_shift == 0.0 and domain_leak == 0.0 and prediction <= MACHINE, coupled > 0,
                f"Gate inputs of every level are unchanged (shift {input_shift:.0e}) when other levels' budgets "
                "change: "
                f"inputs are independent. The Jacobian is block-diagonal over domains (leak {domain_leak:.0e}), and "
                "over trajectories only when every level's gate has the same slope per channel (all "
                "pass-through: leak "
                f"{pass_leak:.0e}). When any level leaves pass-through, trajectories in the same group/domain couple "
                f"(leak >= {coupled:.2g}) with d log G_i/d log r_j = (1/T_j)[(gD - gg)/|Tj(D)| 1(j in D) + "
                f"(gg - gt)/|Tj(g)| 1(j in g)] (matches dense autodiff to {prediction:.1e}): the budgets gate "
                f"independently but their gradients do not decouple.", {"structure": structure}, partial=True),
    ]


def domain_identity_ball_defect(length: int, *, n_random: int = 60, seed: int = 0) -> float:
    """max |log G - log r| of FiberPO-Domain on random and extremal points just inside FiberPO's identity ball."""
    shared = GateHyper()
    rho = identity_radius(torch.tensor([length]), shared) * (1 - 1e-6)
    extremal, _ = extremal_batch(length, rho)
    gen = torch.Generator().manual_seed(seed)
    random_rows = rho * (2 * torch.rand(n_random, length, generator=gen, dtype=torch.float64) - 1)
    points = torch.cat([extremal, extremal.flip(0), random_rows])
    group, domain = hierarchy_ids(points.shape[0], 3, 2)
    hyper = GateHyper(shared.c_pos, shared.c_neg, shared.eps, group, domain)
    return identity_defect(points, torch.ones_like(points, dtype=torch.bool), hyper)


def regime_verdicts(out_dir: Path, say) -> list[Verdict]:
    """FPO-7 (five global regimes, non-monotone |log w|) and FPO-10 (clip counts under drift)."""
    say("Base-weight regimes (Fig 2b) and clip counts under drift (Fig 4)")
    facts = regime_map.regime_facts()

    def no_zeroing(x, c, k):
        return torch.where(x.abs() <= c, x, torch.sign(x) * (k + 1) * c - k * x)

    control = regime_map.regime_facts(gate=no_zeroing)
    drift = regime_map.drift_clip_rows()
    calm = regime_map.drift_clip_rows(length=10, eps=0.5, n_draws=50)
    n = len(drift)
    ppo_majority = sum(r["ppo_clip_frac"] > 0.5 for r in drift) / n
    fiber_fewer = sum(r["fiber_clip_frac"] < r["ppo_clip_frac"] for r in drift) / n
    fiber_majority = sum(r["fiber_clip_frac"] > 0.5 for r in drift) / n
    mean_ppo = statistics.mean(r["ppo_clip_frac"] for r in drift)
    mean_fiber = statistics.mean(r["fiber_clip_frac"] for r in drift)
    write_json("regimes", {"facts": facts, "no_zeroing_control": control,
                           "drift": {"instances": n, "ppo_majority": ppo_majority, "fiber_fewer": fiber_fewer,
                                     "fiber_majority": fiber_majority, "mean_ppo": mean_ppo,
                                     "mean_fiber": mean_fiber, "calm_instances": len(calm)}}, out_dir)
    five = len(facts["regimes_present"]) == 5 and facts["g1_is_ratio_gap"] == 0 and facts["g3_log_w_max"] == 0
    all_single = facts["rays_single_peak"] == facts["rays"]
    return [
        verdict("FPO-7", five and facts["rays_non_monotone"] == facts["rays"], control["g3_log_w_max"] > 0,
                "Fig 2b grid (C+ = 0.20, C- = 0.10, k = 2): all five regimes occur; G-I is exactly the IS "
                "ratio; G-III "
                f"gives w = 1 exactly; |log w| is non-monotone on all {facts['rays']} rays and the diagonal visits "
                f"{' -> '.join(facts['diagonal_sequence'])}. But the single rise-peak-decline shape holds on only "
                f"{facts['rays_single_peak']}/{facts['rays']} rays: when the dominant channel rolls back first, "
                "|log w| "
                f"falls in G-II,r and rises again. Rejected: g_agg without zeroing (G-III log w "
                f"{control['g3_log_w_max']:.2g}).", {"facts": facts}, partial=not all_single),
        verdict("FPO-10", ppo_majority >= 0.95 and fiber_fewer >= 0.95, len(calm) == 0,
                f"Fig 4 drift (T = 10, eps = 0.04, C+ = 0.12, C- = 0.05), {n} (draw, t) instances with both "
                f"log s+- > eps: PPO/GRPO clip more than half the tokens in {ppo_majority:.0%} (mean "
                f"{mean_ppo:.0%}); FiberPO's fiber clip binds on fewer tokens in {fiber_fewer:.0%} (mean "
                f"{mean_fiber:.0%})"
                f", yet still on a majority of tokens in {fiber_majority:.0%}: only tokens within eps of the "
                f"same-sign mean pass. Control: eps = 0.5 leaves no instance with both channels past eps.",
                {"ppo_majority": ppo_majority, "fiber_fewer": fiber_fewer, "fiber_majority": fiber_majority},
                partial=fiber_majority > 0.5),
    ]


def enumeration_verdicts(preset: dict, out_dir: Path, say, device: str = "cpu") -> list[Verdict]:
    """EMP-1 (first-order agreement with the true J, exactly) and EMP-2 (update direction) on the tree policy.

    Exact enumeration always runs in float64 (on `device`): its claims are about machine-precision agreement."""
    from ..envs.tree_policy import build_tree, random_logits

    vocab, horizon = preset["tree"]
    tree = build_tree(vocab, horizon, seed=0, device=device)
    theta_old = random_logits(tree, seed=1)
    say(f"Exact enumeration: {tree.n_trajectories} trajectories, {tree.n_states} states; first-order agreement")
    agreement = first_order.agreement_rows(tree, theta_old)
    slopes = first_order.second_order_rows(tree, theta_old)
    say("Exact enumeration: cosines along random directions and multi-epoch update paths")
    cosines, paths = {}, {}
    for label, budgets in (("default", None), ("matched", MATCHED_HYPER)):
        cosines[label] = first_order.direction_cosine_rows(tree, theta_old, n_directions=preset["directions"],
                                                           budgets=budgets)
        paths[label] = first_order.update_path_rows(tree, theta_old, epochs=preset["epochs"], budgets=budgets)
        write_csv(f"cosines_{label}", cosines[label], out_dir)
        write_csv(f"update_paths_{label}", paths[label], out_dir)
    write_json("first_order", {"agreement": agreement, "second_order": slopes}, out_dir)
    write_csv("first_order_agreement", agreement, out_dir)

    gated = [r for r in agreement if r["method"] != "identity"]
    thm = [r for r in gated if not (r["method"] == "gspo" and r["advantage"] == "token")]
    sum_norm = [r for r in thm if r["mode"] == "seq-mean-token-sum-norm" and r["advantage"] == "token"]
    norm_cos = min(r["cosine_vs_true"] for r in sum_norm)
    norm_scale = statistics.mean(r["norm_ratio_vs_true"] for r in sum_norm)
    thm_gap = max(max(r["value_gap_vs_linear"], r["grad_gap_vs_linear"]) for r in thm)
    gspo_token = max(r["grad_gap_vs_linear"] for r in gated if r["method"] == "gspo" and r["advantage"] == "token")
    exact = [r for r in thm if r["mode"] == "seq-mean-token-sum" and r["advantage"] == "token"]
    exact_gap = max(max(r["grad_rel_error_vs_true"], abs(r["value_offset"])) for r in exact)
    native = [r for r in thm if r["mode"] == "seq-mean-token-mean" and r["advantage"] == "trajectory"]
    native_cos = min(r["cosine_vs_true"] for r in native)
    token_mean_cos = min(r["cosine_vs_true"] for r in thm if r["mode"] == "token-mean")
    slope_agree = [r["slope"] for r in slopes if r["mode"] == "seq-mean-token-sum" and r["method"] != "gspo"]
    slope_native = [r["slope"] for r in slopes if r["mode"] == "seq-mean-token-mean" and r["method"] != "gspo"]
    slope_gspo = [r["slope"] for r in slopes if r["method"] == "gspo"]
    emp1 = verdict(
        "EMP-1", thm_gap <= MACHINE and exact_gap <= MACHINE, native_cos < 1 - 1e-6,
        f"{tree.n_trajectories}-trajectory tree, exact expectations over sampled pairs. Thm 4.5 core: every gated "
        f"surrogate (PPO, GRPO, GSPO, APC delta=0.1, FiberPO, FiberPO-Domain) equals its identity-gated linear "
        f"surrogate in value and gradient at theta_old to {thm_gap:.1e} in all four aggregation modes, except GSPO "
        f"with token-level advantages (gap {gspo_token:.2f}: its gate sees only the sequence mean). Agreement with "
        f"the true J is exact ({exact_gap:.1e}) only with weights mu = 1 (seq-mean-token-sum) and exact advantages "
        f"Q - V; the paper's own weights 1/(|Tj| T_tau) (eqs 5-6, seq-mean-token-mean) give cos(grad, grad J) = "
        f"{native_cos:.3f} (1/T_tau reweights trajectories by length), token-mean over a batch of 2 gives "
        f"{token_mean_cos:.3f}, seq-mean-token-sum-norm has cosine {norm_cos:.6f} and norm ratio "
        f"{norm_scale:.3f} = 1/T_max "
        f"(padded width {horizon}). Second-order gap slopes: "
        f"{min(slope_agree):.2f}..{max(slope_agree):.2f} with matching weights, "
        f"{min(slope_native):.2f}..{max(slope_native):.2f} with 1/T_tau weights (GSPO: "
        f"{', '.join(f'{x:.2f}' for x in slope_gspo)}, its 3e-4 clip engages inside the fitted steps 1e-4..1e-2).",
        {"thm_gap": thm_gap, "exact_gap": exact_gap, "native_cosine": native_cos, "slopes": slopes},
        partial=True)
    return [emp1, direction_verdict(cosines, paths)]


def direction_summary(cosines: list[dict], paths: list[dict]) -> dict:
    """Mean off-policy cosine along random directions and along update paths, and best true gain, per method."""
    def mean_cos(method: str, rows: list[dict], key: str) -> float:
        """Mean cosine off theta_old; a vanished gradient (NaN cosine: everything clipped) counts as 0."""
        values = [r["cosine"] if r["cosine"] == r["cosine"] else 0.0 for r in rows
                  if r["method"] == method and r["weights"] == "native" and r[key] > 0]
        return statistics.mean(values)

    methods = ("ppo", "grpo", "gspo", "apc", "fiberpo", "fiberpo_domain")
    return {
        "random": {m: mean_cos(m, cosines, "scale") for m in methods},
        "paths": {m: mean_cos(m, paths, "epoch") for m in methods},
        "gain": {m: max(r["true_gain"] for r in paths if r["method"] == m and r["weights"] == "native")
                 for m in methods},
    }


def boundary_note(paths: list[dict]) -> str:
    """What FiberPO's own update path does at its budget boundary (computed from the path rows)."""
    rows = [r for r in paths if r["method"] == "fiberpo" and r["weights"] == "native"]
    against = [r for r in rows if r["cosine"] == r["cosine"] and r["cosine"] < 0]
    if not against:
        return f"FiberPO's own update path keeps cos >= 0 for {len(rows) - 1} epochs."
    first = against[0]
    return (f"FiberPO's own update path meets its budget boundary at epoch {first['epoch']} (drift "
            f"{first['drift']:.3f}); from there the restorative rollback gradient points against grad J on "
            f"{len(against)} of {len(rows) - first['epoch']} epochs (min cos {min(r['cosine'] for r in against):.2f}) "
            f"and the path oscillates on the boundary, by design of the rollback.")


def direction_verdict(cosines: dict[str, list[dict]], paths: dict[str, list[dict]]) -> Verdict:
    """EMP-2: is FiberPO's expected gradient better aligned with grad J off-policy than PPO/GRPO/GSPO/APC's?"""
    rivals = ("ppo", "grpo", "gspo", "apc")
    summary = {label: direction_summary(cosines[label], paths[label]) for label in cosines}
    wins = {label: {key: all(s[key]["fiberpo"] >= s[key][m] for m in rivals) for key in ("random", "paths")}
            for label, s in summary.items()}
    count = sum(w for per in wins.values() for w in per.values())
    status = "verified-numerically" if count == 2 * len(wins) else ("holds-with-conditions" if count else "refuted")

    def line(label: str) -> str:
        s = summary[label]
        return (f"{label} budgets: random directions " + ", ".join(f"{m} {v:.2f}" for m, v in s["random"].items())
                + "; update paths " + ", ".join(f"{m} {v:.2f}" for m, v in s["paths"].items())
                + "; best true gain " + ", ".join(f"{m} {v:.3f}" for m, v in s["gain"].items()))

    return Verdict(
        "EMP-2", status,
        "Mean cos(grad E J_hat, grad J) as theta leaves theta_old (exact enumeration, each method's own weights), "
        + "; ".join(line(label) for label in summary)
        + f". FiberPO beats every rival in {count} of {2 * len(wins)} comparisons (default budgets: C+ 0.12, C- 0.08, "
        "eps 0.02, PPO eps 0.2, GSPO 3e-4/4e-4, APC delta 0.1; matched: every radius 0.2). "
        + boundary_note(paths["default"])
        + " A vanished gradient counts as cosine 0; paths are normalised ascent steps of 0.05 in logit space. The "
        "'better update direction' claim is "
        + {"verified-numerically": "supported here.", "holds-with-conditions": "supported only in the comparisons "
           "counted above.", "refuted": "not supported on this problem."}[status],
        PRODUCER, {"summary": summary, "wins": wins})


def run_verify(preset: str = "default", *, device: str = "cpu", dtype: torch.dtype = torch.float64,
               out_dir: Path = RESULTS, say=print) -> list[Verdict]:
    """Every check of this suite; returns the verdicts (the caller writes them)."""
    if preset not in PRESETS:
        raise ValueError(f"preset: {preset!r} is not one of {tuple(PRESETS)}")
    settings = PRESETS[preset]
    verdicts = jacobian_verdicts(settings, device, dtype, out_dir, say)
    verdicts += hierarchy_verdicts(out_dir, say)
    verdicts += regime_verdicts(out_dir, say)
    verdicts += enumeration_verdicts(settings, out_dir, say, device)
    say("RGF forms of PPO / GRPO / GSPO against the standard losses (App. C.4)")
    verdicts.append(rgf_forms_verdict())
    return verdicts


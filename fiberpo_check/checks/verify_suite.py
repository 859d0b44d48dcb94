"""`make verify`: run every registered numeric and exact check of the `verify` producer, write results and verdicts.

Every module of `fiberpo_check.checks` is imported so its checks register (check_registry.py); each check returns
sub-statements with outcomes, and `check_registry.run_checks` turns them into one Verdict per claim. Raw
measurements go to results/verify/<claim>_<check>.json.
"""

from __future__ import annotations

import csv
import importlib
import json
import pkgutil
import statistics
from pathlib import Path

import torch

from .. import checks as checks_package
from ..check_registry import checks, run_checks
from ..verdicts import ROOT, Verdict
from . import first_order
from .exact_surrogates import MATCHED_HYPER
from .presets import MACHINE, PRESETS, PRODUCER

RESULTS = ROOT / "results" / "verify"


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


def register_all() -> None:
    """Import every module of fiberpo_check.checks so that all its checks are registered."""
    for module in pkgutil.iter_modules(checks_package.__path__):
        importlib.import_module(f"{checks_package.__name__}.{module.name}")


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
    """Every registered check of the `verify` producer at `preset` sizes; returns the verdicts (the caller writes)."""
    if preset not in PRESETS:
        raise ValueError(f"preset: {preset!r} is not one of {tuple(PRESETS)}")
    register_all()
    settings = {**PRESETS[preset], "device": device, "dtype": dtype}
    sinks: dict[str, dict] = {}
    verdicts = run_checks(checks(producer=PRODUCER), say=say, sinks=sinks, preset=settings)
    for name, payload in sorted(sinks.items()):
        if payload:
            write_json(name, payload, out_dir)
        if "scaling" in payload:
            write_csv("jacobian_scaling", payload["scaling"], out_dir)
            say(scaling_table(payload["scaling"], payload["scaling_exponent"]))
    return verdicts

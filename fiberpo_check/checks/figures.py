"""Figures of the numeric checks: second-order gap (Thm 4.5), update-direction cosines, Jacobian-probe scaling."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..envs.tree_policy import build_tree, random_logits
from ..plots.registry import register
from ..plots.style import FIGURE_DIR, METHOD_COLORS, new_figure, paper_style, save_figure
from . import first_order, jacobian_suite
from .jacobian_probes import GateHyper

SEED = 0
TREE = {"vocab": 3, "horizon": 4}


def tree_setting():
    """The enumerable tree policy and theta_old used by every figure here (seeded)."""
    tree = build_tree(TREE["vocab"], TREE["horizon"], seed=SEED)
    return tree, random_logits(tree, seed=SEED + 1)


@register("first_order_gap", "Second-order gap |dJ - dJ_hat| vs step: slope 2 with matching weights, 1 with 1/T_tau")
def draw_first_order_gap(out_dir: Path = FIGURE_DIR) -> list[Path]:
    """Log-log gap between true and surrogate improvement along a random logit direction (Thm 4.5)."""
    tree, theta_old = tree_setting()
    rows = first_order.second_order_rows(tree, theta_old, seed=SEED)
    with paper_style():
        fig, ax = new_figure("one-column")
        for row in rows:
            dashed = row["mode"] == "seq-mean-token-mean"
            label = None if dashed else f"{row['method']} ({row['slope']:.2f})"
            ax.loglog(row["steps"], row["gaps"], ls="--" if dashed else "-", color=METHOD_COLORS.get(
                row["method"], "#000000"), label=label, alpha=0.8)
        steps = rows[0]["steps"]
        ax.loglog(steps, [s**2 for s in steps], color="#bbbbbb", lw=3, alpha=0.5, zorder=0, label="slope 2")
        ax.set_xlabel("step a along a random direction")
        ax.set_ylabel("|ΔJ − ΔĴ|")
        ax.set_title("solid: weights 1 (slope 2); dashed: 1/T_τ (slope 1)")
        ax.legend(ncol=2, fontsize=5)
        config = {"tree": TREE, "setups": sorted({(r["mode"], r["advantage"]) for r in rows})}
        return save_figure(fig, "first_order_gap", config, SEED, out_dir)


def mean_by(rows: list[dict], key: str) -> dict[str, tuple[list[float], list[float]]]:
    """Per method, x = mean `key`-grouped drift (or epoch) and y = mean cosine over directions (NaN skipped)."""
    groups = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["weights"] == "native" and row["cosine"] == row["cosine"]:
            groups[row["method"]][row[key]].append((row["drift"] if key == "scale" else row[key], row["cosine"]))
    out = {}
    for method, by_x in groups.items():
        xs = sorted(by_x)
        out[method] = ([sum(p[0] for p in by_x[x]) / len(by_x[x]) for x in xs],
                       [sum(p[1] for p in by_x[x]) / len(by_x[x]) for x in xs])
    return out


@register("update_direction_cosine", "cos(grad E J_hat, grad J) off-policy: random directions and multi-epoch paths")
def draw_update_direction(out_dir: Path = FIGURE_DIR) -> list[Path]:
    """Cosine between each surrogate's exact expected gradient and grad J (EMP-2)."""
    tree, theta_old = tree_setting()
    directions = first_order.direction_cosine_rows(tree, theta_old, n_directions=2, modes=(None,), seed=SEED)
    paths = first_order.update_path_rows(tree, theta_old, epochs=30, modes=(None,))
    with paper_style():
        fig, (left, right) = new_figure("two-column", ncols=2)
        for method, (x, y) in mean_by(directions, "scale").items():
            left.plot(x, y, color=METHOD_COLORS.get(method, "#000000"), label=method)
        for method, (x, y) in mean_by(paths, "epoch").items():
            right.plot(x, y, marker=".", color=METHOD_COLORS.get(method, "#000000"), label=method)
        left.set_xlabel("drift E[mean_t |log r|] along random directions")
        right.set_xlabel("epoch (normalised ascent steps of 0.05 on E Ĵ, θ_old fixed)")
        for ax in (left, right):
            ax.set_ylabel("cos(∇EĴ, ∇J)")
            ax.axhline(0, color="#cccccc", lw=0.8)
        left.legend(fontsize=6)
        config = {"tree": TREE, "directions": 2, "epochs": 30, "step": 0.05, "budgets": "default"}
        return save_figure(fig, "update_direction_cosine", config, SEED, out_dir)


@register("jacobian_probe_scaling", "Seconds of the matrix-free eq-20 / block / identity probes vs tokens (linear)")
def draw_probe_scaling(out_dir: Path = FIGURE_DIR) -> list[Path]:
    """Tokens vs seconds of the full probe suite on one CPU thread."""
    tokens = [10_000, 30_000, 100_000, 300_000, 1_000_000]
    rows = jacobian_suite.scaling_rows(tokens, GateHyper(), seed=SEED)
    with paper_style():
        fig, ax = new_figure("one-column")
        ax.loglog([r["tokens"] for r in rows], [r["seconds"] for r in rows], marker="o", color=METHOD_COLORS["fiberpo"])
        ax.set_xlabel("tokens")
        ax.set_ylabel("seconds (best of 2)")
        ax.set_title(f"slope {jacobian_suite.scaling_exponent(rows):.2f}")
        return save_figure(fig, "jacobian_probe_scaling", {"tokens": tokens, "threads": 1}, SEED, out_dir)

"""Figures of the experiments: bandit update distances, policy iteration, tiny-LM learning curves, tokens-to-threshold."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from matplotlib.ticker import FuncFormatter, NullLocator

from fiberpo_check.empirical.experiments.cache import latest, presets_with_results
from fiberpo_check.vocabulary.stats import Interval
from fiberpo_check.empirical.experiments.summaries import bandit_summary, lm_summary, smoothed
from fiberpo_check.plots.figure import pick_preset, register
from fiberpo_check.plots.style import (
    METHOD_COLORS,
    PALETTE,
    Provenance,
    method_label,
    new_figure,
    paper_style,
    save_figure,
)


def results(name: str, preset: str, allow_other: bool = False) -> dict:
    """The stored result of experiment `name` run by `preset`; PresetMismatch when only other presets ran it."""
    chosen = pick_preset("experiments", preset, presets_with_results(name), allow_other)
    return latest(name, chosen)


def provenance_of(found: dict) -> Provenance:
    """Preset and SHA-256 of the stored result file a figure is drawn from."""
    path = Path(found["path"])
    return Provenance(found["preset"], hashlib.sha256(path.read_bytes()).hexdigest(), (path.name,))


def variant_labels(names: list[str], variants: dict) -> dict[str, str]:
    """Readable legend labels for run names: the method, plus its hyperparameters when it appears twice."""
    methods = [variants[name]["method"] for name in names]
    return {name: method_label(method, variants[name].get("hyper") if methods.count(method) > 1 else None)
            for name, method in zip(names, methods)}


def band(ax, x, runs: np.ndarray, color: str, label: str) -> None:
    """Mean line and a +-1.96 standard-error band over the rows of `runs`."""
    mean = runs.mean(axis=0)
    half = 1.96 * runs.std(axis=0, ddof=1) / np.sqrt(len(runs)) if len(runs) > 1 else np.zeros_like(mean)
    ax.plot(x, mean, color=color, label=label)
    ax.fill_between(x, mean - half, mean + half, color=color, alpha=0.2, lw=0)


def errorbar_points(ax, xs, intervals: list[Interval], color: str, label: str, marker: str, ls: str = "-") -> None:
    """Means with their confidence intervals as error bars (joined by `ls`; 'none' for categories)."""
    means = np.array([i.mean for i in intervals])
    err = np.array([[i.mean - i.low, i.high - i.mean] for i in intervals]).T
    ax.errorbar(xs, means, yerr=err, color=color, marker=marker, ms=3, lw=1, capsize=2, label=label, ls=ls)


def radius_tick(radius: str) -> str:
    """A short two-line tick label for a radius setting such as 'paper, gamma=0.99' or 'relaxed 0.1'."""
    return radius.replace("gamma=", "γ=").replace("relaxed ", "relaxed\nδ=").replace(", ", "\n")


@register(
    "exp_bandit_distances", "APC-Obj's exact maximiser vs Thm D.3's update: agreement by radius (exact) and by pulls",
    needs="experiments", claims=("APC-6", "EMP-3"),
)
def draw_bandit_distances(out_dir: Path, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """(a) identity family: share of cases where the exact APC-Obj maximiser is Thm D.3's update, and where that
    update is a policy; (b) sampled pulls: relative distance of the exact maximiser to Thm D.3's update."""
    raw = results("bandit", preset, allow_other)
    summary = bandit_summary(raw)
    with paper_style():
        fig, (ax_a, ax_b) = new_figure("two-column", ncols=2)
        radii = summary.identity["integer"]
        xs = np.arange(len(radii))
        for offset, key, color, label in ((-0.1, "apc_is_closed_form", PALETTE[0], "APC-Obj argmax = Thm D.3"),
                                          (0.1, "closed_form_policy", PALETTE[1], "Thm D.3 update is a policy")):
            ax_a.scatter(xs + offset, [getattr(r, key) / r.cases for r in radii.values()], color=color, s=14,
                         label=label)
        ax_a.set_xticks(xs, [radius_tick(r) for r in radii], fontsize=6)
        ax_a.set(xlabel="trust-region radius δ (the paper's, at γ; or relaxed)", ylabel="share of bandits",
                 ylim=(-0.05, 1.05), title="(a) (65)-(66) exact, exact maximisers")
        ax_a.legend(frameon=False, fontsize=6)
        pulls = [int(p) for p in summary.sampled]
        errorbar_points(ax_b, pulls, [summary.sampled[str(p)].dist_closed_form for p in pulls],
                        METHOD_COLORS["apc"], "exact APC-Obj maximiser vs Thm D.3", "o")
        ax_b.set(xscale="log", xlabel="pulls per state", ylabel="relative distance",
                 title=f"(b) sampled bandit, δ = {raw['config']['sample_delta']}")
        ax_b.legend(frameon=False, fontsize=6)
        return save_figure(fig, "exp_bandit_distances", raw["config"], out_dir=out_dir, provenance=provenance_of(raw))


@register(
    "exp_bandit_iteration",
    "Bandit policy iteration: exact APC-Obj and TV-TRPO maximisers, APC-Obj by Adam, PPO, GRPO, GSPO, FiberPO",
    needs="experiments", claims=("EMP-3",),
)
def draw_bandit_iteration(out_dir: Path, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Expected return against pulls, mean and 95% band over seeds, optimum dashed."""
    raw = results("bandit", preset, allow_other)
    it = raw["iteration"]
    with paper_style():
        fig, ax = new_figure("one-column")
        for method, runs in it["returns"].items():
            runs = np.asarray(runs)
            pulls = np.arange(runs.shape[1]) * it["pulls_per_iteration"]
            band(ax, pulls, runs, METHOD_COLORS.get(method, "k"), method_label(method))
        ax.axhline(np.mean(it["optimum"]), color="k", ls="--", lw=0.7, label="optimum")
        ax.set(xlabel="pulls", ylabel="expected return J(π)", title="bandit policy iteration")
        ax.legend(frameon=False, fontsize=6, ncol=2)
        return save_figure(fig, "exp_bandit_iteration", raw["config"], out_dir=out_dir, provenance=provenance_of(raw))


def variant_color(name: str, method: str, index: int) -> str:
    """Method colour; a second variant of the same method gets a dashed style elsewhere, colour stays."""
    return METHOD_COLORS.get(method, PALETTE[index % len(PALETTE)])


def draw_curves(raw: dict, names: list[str], figure: str, out_dir: Path) -> list[Path]:
    """Four panels (accuracy, entropy, mean IS ratio, grad norm), one line with a 95% band over seeds per run."""
    cfg = raw["config"]
    panels = (
        ("reward/mean", "training accuracy (smoothed)"),
        ("entropy", "entropy (nats/token)"),
        ("ratio/mean", "mean IS ratio after update"),
        ("grad_norm", "gradient norm"),
    )
    with paper_style():
        fig, axes = new_figure("two-column-tall", ncols=2, nrows=2)
        seen: dict[str, int] = {}
        labels = variant_labels(names, cfg["variants"])
        for index, name in enumerate(names):
            runs = raw["histories"][name]
            method = cfg["variants"][name]["method"]
            style = "--" if seen.get(method) else "-"
            seen[method] = seen.get(method, 0) + 1
            tokens = np.mean([[row["tokens"] for row in h] for h in runs.values()], axis=0)
            for ax, (key, label) in zip(axes.flat, panels):
                window = cfg["smoothing"] if key == "reward/mean" else 1
                values = np.asarray([smoothed([row[key] for row in h], window) for h in runs.values()])
                band(ax, tokens, values, variant_color(name, method, index), labels[name])
                ax.lines[-1].set_linestyle(style)
                ax.set(xlabel="tokens consumed", ylabel=label)
        handles, texts = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, texts, loc="outside lower center", ncol=min(3, len(texts)), frameon=False, fontsize=6)
        return save_figure(fig, figure, cfg, out_dir=out_dir, provenance=provenance_of(raw))


@register(
    "exp_lm_learning_curves", "Tiny-LM RL: training accuracy, entropy, mean IS ratio and grad norm against tokens",
    needs="experiments", claims=("EMP-4",),
)
def draw_lm_curves(out_dir: Path, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Learning curves of every method at its calibrated learning rate (discovery and replication seeds)."""
    raw = results("tiny_lm", preset, allow_other)
    return draw_curves(raw, list(raw["histories"]), "exp_lm_learning_curves", out_dir)


@register(
    "exp_lm_calibration", "Tiny-LM RL: measured drift per update against the learning rate, per method (tuning seeds)",
    needs="experiments", claims=("EMP-4",),
)
def draw_lm_calibration(out_dir: Path, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Drift per update (mean over tuning seeds) at every learning-rate factor; the target and each chosen point."""
    raw = results("tiny_lm", preset, allow_other)
    cal = raw["calibration"]
    with paper_style():
        fig, ax = new_figure("one-column")
        for index, (name, chosen) in enumerate(cal["chosen"].items()):
            color = variant_color(name, raw["config"]["variants"][name]["method"], index)
            factors = [float(f) for f in chosen["grid"]]
            ax.plot(factors, list(chosen["grid"].values()), marker="o", ms=3, color=color,
                    label=method_label(raw["config"]["variants"][name]["method"]))
            ax.scatter([chosen["lr_factor"]], [chosen["drift"]], s=40, facecolors="none", edgecolors=color)
        ax.axhline(cal["target"], color="k", lw=0.8, ls=":")
        ax.set(xscale="log", yscale="log", xlabel="learning rate / base", ylabel="TV per update (tj)",
               title="drift calibration")
        ax.set_xticks(factors, [f"{f:.2g}" for f in factors])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.legend(fontsize=6, frameon=False)
        return save_figure(fig, "exp_lm_calibration", raw["config"], out_dir=out_dir, provenance=provenance_of(raw))


@register(
    "exp_lm_tokens_to_threshold", "Tiny-LM RL: tokens to reach the accuracy threshold per method (bootstrap 95% CI)",
    needs="experiments", claims=("EMP-4",),
)
def draw_lm_tokens(out_dir: Path, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Horizontal bars of mean tokens-to-threshold with CIs; seeds that never reached it are counted in the label."""
    raw = results("tiny_lm", preset, allow_other)
    summary = lm_summary(raw, raw["config"])
    names = list(summary)
    with paper_style():
        fig, ax = new_figure("one-column-tall")
        for y, name in enumerate(names):
            ttt = summary[name].tokens_to_threshold
            color = METHOD_COLORS.get(summary[name].method, "k")
            reached = [v for v in summary[name].tokens_to_threshold_per_seed if v is not None]
            if ttt.mean is not None:
                ax.barh(y, ttt.mean, color=color, alpha=0.6)
                ax.errorbar(
                    ttt.mean,
                    y,
                    xerr=[[ttt.mean - ttt.low], [ttt.high - ttt.mean]],
                    color="k",
                    capsize=2,
                    lw=0.8,
                )
            ax.scatter(reached, [y] * len(reached), color="k", s=6, zorder=3)
            if ttt.missing:
                ax.text(1.01, y, f"{ttt.missing}/{ttt.n} never", fontsize=6, va="center",
                        transform=ax.get_yaxis_transform())
        labels = variant_labels(names, raw["config"]["variants"])
        ax.set_yticks(range(len(names)), [labels[name] for name in names], fontsize=6)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / 1000:g}k"))
        ax.set(xlabel=f"tokens until smoothed accuracy ≥ {raw['config']['threshold']}", title="token efficiency")
        return save_figure(fig, "exp_lm_tokens_to_threshold", raw["config"], out_dir=out_dir,
                           provenance=provenance_of(raw))

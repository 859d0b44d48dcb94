"""The paper's Figures 2a, 2b, 3 and 4, redrawn from the toolkit's own gates (eqs 6-16)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.colors import TwoSlopeNorm

from fiberpo_check.engine.gates import FIG4_CONFIG, g_agg, gate_regime, global_regime, zeroing_threshold
from fiberpo_check.engine.objectives.fiberpo import (
    base_log_weight,
    channel_aggregates,
    fiber_arguments,
    fiber_log_residual,
)
from fiberpo_check.engine.objectives.grpo import objective as grpo_objective
from fiberpo_check.plots.figure import register
from fiberpo_check.plots.style import METHOD_COLORS, PALETTE, new_figure, paper_style, save_figure

FIG2A = {"c": 0.15, "k": 3}
FIG2B = {"c_pos": 0.20, "c_neg": 0.10, "k": 2}
FIG3 = {"T": 3, "eps": 0.025, "c_pos": 0.15, "c_neg": 0.09, "k": 3, "advantages": [1.0, -0.4, -0.6], "zoom": 0.18}
FIG4 = {**FIG4_CONFIG, "seed": 0, "t_max": 4.3}


def base_log_weight_grid(log_s_pos: np.ndarray, log_s_neg: np.ndarray, c_pos: float, c_neg: float, k: float):
    """log w_base on a (log s+, log s-) grid (eq 8)."""
    pos, neg = torch.as_tensor(log_s_pos), torch.as_tensor(log_s_neg)
    return base_log_weight(pos, neg, torch.full_like(pos, float(k)), c_pos, c_neg).numpy()


def fiberpo_log_gate(log_ratio: torch.Tensor, c_pos: float, c_neg: float, eps: float, k: float):
    """log G = log w_base + log r~ for full (unmasked) trajectories [B, T] with rollback slope k (eqs 7-16)."""
    mask = torch.ones_like(log_ratio, dtype=torch.bool)
    lengths = torch.full(log_ratio.shape[:1], float(log_ratio.shape[1]), dtype=log_ratio.dtype)
    log_s_pos, log_s_neg = channel_aggregates(log_ratio, mask, lengths)
    base = base_log_weight(log_s_pos, log_s_neg, torch.full_like(lengths, float(k)), c_pos, c_neg)
    same_sign, opposite_sign = fiber_arguments(log_ratio, log_s_pos, log_s_neg)
    residual = fiber_log_residual(same_sign, opposite_sign, eps)
    return base, residual, log_s_pos, log_s_neg, same_sign


@register(
    "fig2a_g_agg", "Paper Fig 2a: the aggregate gate g_agg(x, C=0.15, k=3) with its three regimes (eq 10)",
    claims=("FPO-6",),
)
def draw_fig2a(out_dir: Path) -> list[Path]:
    """g_agg against the identity, regimes shaded."""
    c, k = FIG2A["c"], FIG2A["k"]
    x = np.linspace(-0.3, 0.3, 1201)
    y = g_agg(torch.as_tensor(x), c, k).numpy()
    c_star = zeroing_threshold(c, k)
    with paper_style():
        fig, ax = new_figure("one-column")
        ax.axvspan(-c, c, color=PALETTE[5], alpha=0.12, lw=0, label="pass-through |x| ≤ C")
        for lo, hi in ((c, c_star), (-c_star, -c)):
            ax.axvspan(lo, hi, color=PALETTE[1], alpha=0.15, lw=0)
        ax.plot(x, x, color="0.7", lw=0.6, label="identity")
        ax.plot(x, y, color=METHOD_COLORS["fiberpo"], label="$g^{agg}(x, C, k)$")
        for v in (c, -c):
            ax.axvline(v, color=PALETTE[0], ls="--", lw=0.6)
        for v in (c_star, -c_star):
            ax.axvline(v, color=PALETTE[1], ls=":", lw=0.6)
        ax.annotate(f"rollback\nslope\n−k = −{k}", xy=(0.255, 0.03), color=PALETTE[1], fontsize=6, ha="center")
        ax.set(xlabel="x = log s", ylabel="$g^{agg}(x, C, k)$", title=f"$g^{{agg}}$: C = {c}, k = {k}")
        ax.legend(loc="upper left", frameon=False)
        return save_figure(fig, "fig2a_g_agg", FIG2A, out_dir=out_dir)


def regime_labels(c_pos: float, c_neg: float, k: float) -> list[tuple[float, float, str]]:
    """Centres of the five global regimes G-I ... G-III in (log s+, log s-) space (Fig 2b)."""
    sp, sn = zeroing_threshold(c_pos, k), zeroing_threshold(c_neg, k)
    return [
        (c_pos / 2, c_neg / 2, "G-I"),
        ((c_pos + sp) / 2, c_neg / 2, "G-II,r"),
        (c_pos / 2, (c_neg + sn) / 2, "G-II,r"),
        ((c_pos + sp) / 2, (c_neg + sn) / 2, "G-III,r"),
        (sp + 0.05, c_neg / 2, "G-II"),
        (c_pos / 2, sn + 0.05, "G-II"),
        (sp + 0.05, sn + 0.05, "G-III"),
    ]


def draw_base_weight_map(ax, c_pos: float, c_neg: float, k: float, extent=(0.0, 0.4, 0.0, 0.3)):
    """Heat map of log w_base with budget (dashed) and full-gating (dotted) lines; returns the image."""
    pos = np.linspace(extent[0], extent[1], 401)
    neg = np.linspace(extent[2], extent[3], 301)
    grid_pos, grid_neg = np.meshgrid(pos, neg)
    log_w = base_log_weight_grid(grid_pos, grid_neg, c_pos, c_neg, k)
    limit = max(abs(log_w).max(), 1e-6)
    image = ax.imshow(
        log_w, origin="lower", extent=extent, aspect="auto", cmap="RdBu_r", norm=TwoSlopeNorm(0, -limit, limit)
    )
    ax.contour(grid_pos, grid_neg, log_w, levels=np.linspace(-limit, limit, 13), colors="k", linewidths=0.2, alpha=0.4)
    for value, star, color, vertical in (
        (c_pos, zeroing_threshold(c_pos, k), PALETTE[0], True),
        (c_neg, zeroing_threshold(c_neg, k), PALETTE[1], False),
    ):
        line = ax.axvline if vertical else ax.axhline
        line(value, color=color, ls="--", lw=0.8)
        line(star, color=color, ls=":", lw=0.8)
    ax.set(xlabel="P = log $s^+$", ylabel="N = log $s^-$", xlim=extent[:2], ylim=extent[2:])
    return image


@register(
    "fig2b_base_weight", "Paper Fig 2b: log w_base over (log s+, log s-), C+ = 0.20, C- = 0.10, k = 2 (eq 8)",
    claims=("FPO-7",),
)
def draw_fig2b(out_dir: Path) -> list[Path]:
    """Base-weight heat map with the five global regimes labelled."""
    c_pos, c_neg, k = FIG2B["c_pos"], FIG2B["c_neg"], FIG2B["k"]
    with paper_style():
        fig, ax = new_figure("one-column")
        image = draw_base_weight_map(ax, c_pos, c_neg, k)
        ax.plot([0, 0.3], [0, 0.3], color="k", ls="-.", lw=0.6)
        ax.text(0.235, 0.228, "P = N", fontsize=6, rotation=45, transform_rotates_text=True, ha="center", va="bottom")
        for x, y, text in regime_labels(c_pos, c_neg, k):
            ax.text(
                x,
                y,
                text,
                ha="center",
                va="center",
                fontsize=6,
                bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1},
            )
        fig.colorbar(image, ax=ax, label="log $w^{base}_\\tau$")
        ax.set_title(f"log $w^{{base}}$ (k = {k}, $C^+$ = {c_pos}, $C^-$ = {c_neg})")
        return save_figure(fig, "fig2b_base_weight", FIG2B, out_dir=out_dir)


def simplex_grid(T: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ratio vectors r on {mean r = 1, r >= 0} for T = 3 (a barycentric grid) and their 2-D plot coordinates."""
    a, b = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    inside = a + b <= 1
    bary = np.stack([a[inside], b[inside], 1 - a[inside] - b[inside]], axis=1)
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    return T * bary, bary @ corners


def window_grid(T: int, centre: np.ndarray, half: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ratio vectors on a regular n x n grid of plot coordinates around `centre` (inside the simplex)."""
    x, y = np.meshgrid(np.linspace(centre[0] - half, centre[0] + half, n),
                       np.linspace(centre[1] - half, centre[1] + half, n))
    b2 = y.ravel() / (np.sqrt(3) / 2)
    b1 = x.ravel() - 0.5 * b2
    return T * np.stack([1 - b1 - b2, b1, b2], axis=1), np.stack([x.ravel(), y.ravel()], axis=1)


def simplex_fields(ratios: np.ndarray, cfg: dict) -> dict[str, np.ndarray]:
    """Delta J^FiberPO, local (L-I/II/III) and global (G-I ... G-III) regimes at each ratio vector (Fig 3), and
    the continuous fields whose zero sets are the regime boundaries (smooth contours, not staircases)."""
    log_ratio = torch.as_tensor(np.log(np.clip(ratios, 1e-12, None)))
    base, residual, log_s_pos, log_s_neg, same_sign = fiberpo_log_gate(
        log_ratio, cfg["c_pos"], cfg["c_neg"], cfg["eps"], cfg["k"]
    )
    advantages = torch.as_tensor(cfg["advantages"], dtype=log_ratio.dtype)
    delta_j = ((torch.exp(base[:, None] + residual) - 1) * advantages).mean(dim=1)
    n_clipped = (same_sign.abs() >= cfg["eps"]).sum(dim=1)
    local = torch.where(n_clipped == 0, 0, torch.where(n_clipped == cfg["T"], 2, 1))
    regime_pos, regime_neg = (
        gate_regime(log_s_pos, cfg["c_pos"], cfg["k"]),
        gate_regime(log_s_neg, cfg["c_neg"], cfg["k"]),
    )
    stretch = 1 + 1 / cfg["k"]
    return {
        "delta_j": delta_j.numpy(),
        "local": local.numpy(),
        "global": global_regime(regime_pos, regime_neg).numpy(),
        "first_clip": (same_sign.abs().max(dim=1).values - cfg["eps"]).numpy(),  # 0 on the L-I / L-II boundary
        "all_clip": (same_sign.abs().min(dim=1).values - cfg["eps"]).numpy(),  # 0 on the L-II / L-III boundary
        "pos_budget": (log_s_pos - cfg["c_pos"]).numpy(),
        "pos_zeroed": (log_s_pos - stretch * cfg["c_pos"]).numpy(),
        "neg_budget": (log_s_neg - cfg["c_neg"]).numpy(),
        "neg_zeroed": (log_s_neg - stretch * cfg["c_neg"]).numpy(),
    }


# Boundary curves of Fig 3(b): (field, colour, line style, label) -- the same colours and styles as Fig 2b.
GLOBAL_BOUNDARIES = (
    ("pos_budget", PALETTE[0], "--", r"$P = C^{+}$"),
    ("pos_zeroed", PALETTE[0], ":", r"$P = (1+1/k)\,C^{+}$"),
    ("neg_budget", PALETTE[1], "--", r"$N = C^{-}$"),
    ("neg_zeroed", PALETTE[1], ":", r"$N = (1+1/k)\,C^{-}$"),
)


@register(
    "fig3_regime_simplex", "Paper Fig 3: local and global FiberPO regimes on the simplex mean r = 1 (T = K = 3)",
    claims=("FPO-7",),
)
def draw_fig3(out_dir: Path) -> list[Path]:
    """Delta J^FiberPO on the ratio simplex, with local (a, zoomed) and global (b) regime boundaries."""
    cfg = FIG3
    centre = np.array([0.5, np.sqrt(3) / 6])
    zoom = cfg["zoom"] / cfg["T"]  # +-0.18 in ratio units, in barycentric plot units
    ratios, xy = simplex_grid(cfg["T"], 301)
    fields = simplex_fields(ratios, cfg)
    zoomed_ratios, zoomed_xy = window_grid(cfg["T"], centre, zoom, 241)
    zoomed = simplex_fields(zoomed_ratios, cfg)
    limit = np.abs(fields["delta_j"]).max()
    with paper_style():
        fig, axes = new_figure("two-column", ncols=2)
        for ax, points, values in ((axes[0], zoomed_xy, zoomed), (axes[1], xy, fields)):
            image = ax.tricontourf(points[:, 0], points[:, 1], values["delta_j"], levels=41, cmap="RdBu_r",
                                   norm=TwoSlopeNorm(0, -limit, limit))
            image.set_rasterized(True)  # a dense filled map: an image inside the vector PDF
            ax.plot(*centre, "k+", ms=6)
            ax.set_aspect("equal")
            ax.set_axis_off()
        for field in ("first_clip", "all_clip"):
            axes[0].tricontour(zoomed_xy[:, 0], zoomed_xy[:, 1], zoomed[field], levels=[0.0], colors="k",
                               linewidths=0.8)
        for field, color, style, label in GLOBAL_BOUNDARIES:
            axes[1].tricontour(xy[:, 0], xy[:, 1], fields[field], levels=[0.0], colors=[color], linestyles=style,
                               linewidths=0.9)
            axes[1].plot([], [], color=color, ls=style, lw=0.9, label=label)
        axes[0].set(xlim=(centre[0] - zoom, centre[0] + zoom), ylim=(centre[1] - zoom, centre[1] + zoom))
        axes[0].set_title("(a) local regimes L-I/II/III (zoom ±0.18)")
        axes[1].set_title("(b) global regimes G-I … G-III", pad=12)
        for (x, y), text in zip([(0.5, 0.9), (-0.02, -0.03), (1.02, -0.03)], ["$r_3$ = 3", "$r_1$ = 3", "$r_2$ = 3"]):
            axes[1].text(x, y, text, fontsize=7, ha="center", va="center")
        inner = np.abs(zoomed_xy - centre).max(axis=1) < 0.85 * zoom  # keep labels off the frame
        margin = np.minimum(np.abs(zoomed["first_clip"]), np.abs(zoomed["all_clip"])) * inner
        add_region_labels(axes[0], zoomed_xy, zoomed["local"], margin, ["L-I", "L-II", "L-III"])
        label_rings(axes[1], xy, fields["global"], ["G-I", "G-II,r", "G-II", "G-III,r", "G-III"], centre)
        axes[1].legend(loc="upper left", bbox_to_anchor=(-0.08, 1.0), fontsize=6, frameon=False, handlelength=2)
        fig.colorbar(image, ax=axes, label="ΔĴ FiberPO", shrink=0.85, aspect=25)
        return save_figure(fig, "fig3_regime_simplex", cfg, out_dir=out_dir)


def add_region_labels(ax, xy: np.ndarray, regime: np.ndarray, margin: np.ndarray, names: list[str]) -> None:
    """Write each regime's name at its grid point farthest (by `margin`) from every boundary, just above it."""
    for index, name in enumerate(names):
        inside = np.flatnonzero(regime == index)
        if len(inside):
            spot = xy[inside[np.argmax(margin[inside])]]
            ax.annotate(name, xy=spot, xytext=(0, 5), textcoords="offset points", fontsize=6, ha="center",
                        bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})


def label_rings(ax, xy: np.ndarray, regime: np.ndarray, names: list[str], centre: np.ndarray) -> None:
    """Name nested regimes from outside: an arrow from a label right of the simplex to each regime on a ray."""
    direction = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)])
    offsets = (xy - centre) @ direction
    on_ray = np.abs((xy - centre) @ np.array([-direction[1], direction[0]])) < 4e-3
    for index, name in enumerate(names):
        chosen = on_ray & (regime == index) & (offsets >= 0)
        if not chosen.any():
            continue
        spot = centre + direction * np.median(offsets[chosen])
        ax.annotate(name, xy=spot, xytext=(0.98, 0.38 + 0.1 * index), fontsize=6, va="center",
                    arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "0.25", "shrinkA": 1, "shrinkB": 0})


def drift_setup(cfg: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Drift directions Delta_i and advantages A_i with sign(Delta_i) = sign(A_i) (Fig 4)."""
    gen = torch.Generator().manual_seed(cfg["seed"])
    direction = 0.07 * torch.randn(cfg["T"], generator=gen, dtype=torch.float64)
    advantages = torch.sign(direction) * (0.3 + 0.6 * torch.rand(cfg["T"], generator=gen, dtype=torch.float64))
    return direction, advantages


def drift_curves(cfg: dict, t: np.ndarray) -> dict[str, np.ndarray]:
    """Along r_i = 1 + t Delta_i: aggregates, per-token FiberPO and GRPO terms, totals (eqs 17, 18; App. C.4)."""
    direction, advantages = drift_setup(cfg)
    ratios = 1 + torch.as_tensor(t)[:, None] * direction[None, :]
    log_ratio = torch.log(ratios)
    base, residual, log_s_pos, log_s_neg, same_sign = fiberpo_log_gate(
        log_ratio, cfg["c_pos"], cfg["c_neg"], cfg["eps"], cfg["k"]
    )
    fiber_terms = torch.exp(base[:, None] + residual) * advantages
    mask = torch.ones_like(log_ratio, dtype=torch.bool)
    grpo_terms = torch.stack(
        [grpo_objective(row[None], advantages[None], mask[:1], eps_low=cfg["eps"]) for row in log_ratio]
    )
    return {
        "log_s_pos": log_s_pos.numpy(),
        "log_s_neg": log_s_neg.numpy(),
        "base": base.numpy(),
        "residual": residual.numpy(),
        "log_ratio": log_ratio.numpy(),
        "fiber_terms": fiber_terms.numpy(),
        "fiber_total": fiber_terms.mean(1).numpy(),
        "grpo_total": grpo_terms.numpy(),
        "direction": direction.numpy(),
        "advantages": advantages.numpy(),
        "same_sign": same_sign.numpy(),
    }


def grpo_token_terms(log_ratio: np.ndarray, advantages: np.ndarray, eps: float) -> np.ndarray:
    """Per-token GRPO terms min(r A, clip(r, 1 +- eps) A) (App. C.4)."""
    ratio = np.exp(log_ratio)
    return np.minimum(ratio * advantages, np.clip(ratio, 1 - eps, 1 + eps) * advantages)


@register(
    "fig4_drift", "Paper Fig 4: FiberPO per-token and total objective under drift r = 1 + t Delta (T = 10, k = 32)",
    claims=("FPO-10",),
)
def draw_fig4(out_dir: Path) -> list[Path]:
    """Four panels: aggregate trajectory on log w, fiber correction at t = 1, per-token and total objective."""
    cfg = FIG4
    t = np.linspace(-cfg["t_max"], cfg["t_max"], 861)
    curves = drift_curves(cfg, t)
    at_one = int(np.argmin(abs(t - 1.0)))
    tokens = [int(np.argmax(curves["direction"])), int(np.argmin(curves["direction"]))]
    with paper_style():
        fig, axes = new_figure("two-column-tall", ncols=2, nrows=2)
        ax = axes[0, 0]
        image = draw_base_weight_map(ax, cfg["c_pos"], cfg["c_neg"], cfg["k"], extent=(0.0, 0.25, 0.0, 0.25))
        forward = t >= 0
        ax.plot(curves["log_s_pos"][forward], curves["log_s_neg"][forward], color="k", lw=1.0)
        for marker in (0, 1, 2, 3, 4):
            i = int(np.argmin(abs(t - marker)))
            ax.plot(curves["log_s_pos"][i], curves["log_s_neg"][i], "k.", ms=4)
            ax.annotate(
                f"t={marker}",
                (curves["log_s_pos"][i], curves["log_s_neg"][i]),
                fontsize=6,
                xytext=(3, -3),
                textcoords="offset points",
            )
        fig.colorbar(image, ax=ax, label="log w")
        ax.set_title(f"(a) log w + aggregate path (k = {cfg['k']})")
        ax = axes[0, 1]
        index = np.arange(cfg["T"])
        ax.bar(index - 0.2, curves["log_ratio"][at_one], 0.35, color=PALETTE[5], alpha=0.6, label="raw log $r_i$")
        ax.bar(index + 0.2, curves["residual"][at_one], 0.35, color=PALETTE[1], label="log $\\tilde r_i$ (fiber)")
        ax.bar(
            index + 0.2,
            np.full(cfg["T"], curves["base"][at_one]),
            0.35,
            bottom=curves["residual"][at_one],
            color=PALETTE[4],
            label="log $w$ (base)",
        )
        ax.plot(
            index + 0.2, curves["residual"][at_one] + curves["base"][at_one], "k_", ms=8, label="log($w\\tilde r_i$)"
        )
        ax.set(xlabel="token index i", ylabel="log-space correction", title="(b) fiber correction at t = 1")
        ax.legend(frameon=False, fontsize=6)
        ax = axes[1, 0]
        for token, style in zip(tokens, ("-", "--")):
            label = f"tok{token}: Δ={curves['direction'][token]:+.3f}"
            ax.plot(
                t, curves["fiber_terms"][:, token], color=METHOD_COLORS["fiberpo"], ls=style, label=f"FiberPO {label}"
            )
            grpo = grpo_token_terms(curves["log_ratio"][:, token], curves["advantages"][token], cfg["eps"])
            ax.plot(t, grpo, color=METHOD_COLORS["grpo"], ls=style, lw=0.8, label=f"GRPO {label}")
        ax.set(xlabel="t", ylabel="per-token objective $w\\,\\tilde r_i\\,A_i$")
        ax.set_title("(c) per-token objective vs GRPO", pad=9)
        ax.legend(frameon=False, fontsize=6)
        ax = axes[1, 1]
        ax.plot(t, curves["fiber_total"], color=METHOD_COLORS["fiberpo"], label="FiberPO")
        ax.plot(t, curves["grpo_total"], color=METHOD_COLORS["grpo"], ls="--", label="GRPO (same ε)")
        ax.plot([], [], color="0.8", lw=0.4, label="a token's |$u_i$| crosses ε")
        ax.set(xlabel="t", ylabel="total objective $(1/T)\\,\\Sigma_i\\, w\\,\\tilde r_i A_i$")
        ax.set_title("(d) total objective vs GRPO", pad=9)
        ax.legend(frameon=False, loc="lower right")
        for ax in (axes[1, 0], axes[1, 1]):
            mark_transitions(ax, t, curves, cfg)
        return save_figure(fig, "fig4_drift", cfg, seed=cfg["seed"], out_dir=out_dir)


def mark_transitions(ax, t: np.ndarray, curves: dict, cfg: dict) -> None:
    """Vertical lines where a token's |u_i| crosses eps (grey), N = log s- crosses C- and P = log s+ crosses C+,
    each coloured line labelled as in the paper."""
    clipped = np.abs(curves["same_sign"]) >= cfg["eps"]
    for i in np.flatnonzero((clipped[1:] != clipped[:-1]).any(axis=1)):
        ax.axvline(t[i], color="0.8", lw=0.4, zorder=0)
    for key, c, color, name in (("log_s_neg", cfg["c_neg"], PALETTE[1], r"$N = C^{-}$"),
                                ("log_s_pos", cfg["c_pos"], PALETTE[0], r"$P = C^{+}$")):
        above = curves[key] > c
        for i in np.flatnonzero(above[1:] != above[:-1]):
            ax.axvline(t[i], color=color, ls=":", lw=0.9)
            ax.text(t[i], 1.0, name, transform=ax.get_xaxis_transform(), color=color, fontsize=6, ha="center",
                    va="bottom")
    ax.axvline(0, color="k", lw=0.6)

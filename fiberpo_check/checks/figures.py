"""Figures of the numeric checks, drawn from the stored results of `verify`: second-order gap (Thm 4.5),
update-direction cosines (EMP-2), Jacobian-probe scaling (Prop 5.2)."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections import defaultdict
from pathlib import Path

from ..plots.registry import pick_preset, register
from ..plots.style import FIGURE_DIR, METHOD_COLORS, Provenance, method_label, new_figure, paper_style, save_figure
from .verify_suite import PRESETS, RESULTS


def number_or_text(value: str):
    """A CSV cell as int, float or the original text."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def read_rows(path: Path) -> list[dict]:
    """Rows of a CSV written by `verify`, numbers parsed."""
    with path.open(newline="") as handle:
        return [{key: number_or_text(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def verify_preset(results_dir: Path) -> str | None:
    """The preset `verify` last ran with, read off the token counts of its scaling run (one list per preset)."""
    path = results_dir / "jacobian_scaling.csv"
    if not path.exists():
        return None
    tokens = [row["tokens"] for row in read_rows(path)]
    for name, settings in PRESETS.items():
        wanted = settings["tokens"]
        if len(wanted) == len(tokens) and all(abs(math.log(t / w)) < 0.2 for t, w in zip(tokens, wanted)):
            return name
    return None


def stored(files: list[str], preset: str, allow_other: bool, results_dir: Path | None = None):
    """The named `verify` outputs (CSV rows or JSON) for `preset`, and their provenance; PresetMismatch otherwise."""
    results_dir = results_dir or RESULTS
    paths = [results_dir / name for name in files]
    found = verify_preset(results_dir) if all(path.exists() for path in paths) else None
    chosen = pick_preset("verify", preset, [found] if found else [], allow_other)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in paths)).hexdigest()
    data = [read_rows(path) if path.suffix == ".csv" else json.loads(path.read_text()) for path in paths]
    return data, Provenance(chosen, digest, tuple(files))


@register("first_order_gap", "Second-order gap |dJ - dJ_hat| vs step: slope 2 with matching weights, 1 with 1/T_tau",
          needs="verify", claims=("FBG-2", "EMP-1"))
def draw_first_order_gap(out_dir: Path = FIGURE_DIR, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Log-log gap between true and surrogate improvement along a random logit direction (Thm 4.5)."""
    (first_order,), provenance = stored(["first_order.json"], preset, allow_other)
    rows = first_order["second_order"]
    with paper_style():
        fig, ax = new_figure("one-column-tall")
        for row in rows:
            dashed = row["mode"] == "seq-mean-token-mean"
            label = None if dashed else f"{method_label(row['method'])} ({row['slope']:.2f})"
            ax.loglog(row["steps"], row["gaps"], ls="--" if dashed else "-", color=METHOD_COLORS.get(
                row["method"], "#000000"), label=label, alpha=0.8)
        steps = rows[0]["steps"]
        ax.loglog(steps, [s**2 for s in steps], color="#bbbbbb", lw=3, alpha=0.5, zorder=0, label="slope 2")
        ax.set_xlabel("step a along a random direction")
        ax.set_ylabel("|ΔJ − ΔĴ|")
        ax.set_title("solid: weights 1 (fitted slope); dashed: 1/T_τ", fontsize=7)
        fig.legend(loc="outside lower center", ncol=3, fontsize=6, frameon=False)
        return save_figure(fig, "first_order_gap", {"source": "results/verify/first_order.json"}, 0, out_dir,
                           provenance)


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


@register("update_direction_cosine", "cos(grad E J_hat, grad J) off-policy: random directions and multi-epoch paths",
          needs="verify", claims=("EMP-2",))
def draw_update_direction(out_dir: Path = FIGURE_DIR, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Cosine between each surrogate's exact expected gradient and grad J at default budgets (EMP-2)."""
    (directions, paths), provenance = stored(["cosines_default.csv", "update_paths_default.csv"], preset, allow_other)
    with paper_style():
        fig, (left, right) = new_figure("two-column", ncols=2)
        for method, (x, y) in mean_by(directions, "scale").items():
            left.plot(x, y, color=METHOD_COLORS.get(method, "#000000"), label=method_label(method))
        for method, (x, y) in mean_by(paths, "epoch").items():
            right.plot(x, y, marker=".", ms=3, color=METHOD_COLORS.get(method, "#000000"), label=method_label(method))
        left.set(xlabel="drift E[mean_t |log r|] along random directions", title="(a) random directions")
        right.set(xlabel="epoch (normalised ascent steps on E Ĵ, θ_old fixed)", title="(b) multi-epoch update paths")
        for ax in (left, right):
            ax.set_ylabel("cos(∇EĴ, ∇J)")
            ax.axhline(0, color="#cccccc", lw=0.8)
        handles, labels = left.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside right center", fontsize=6, frameon=False)
        config = {"source": "results/verify/cosines_default.csv, update_paths_default.csv", "budgets": "default"}
        return save_figure(fig, "update_direction_cosine", config, 0, out_dir, provenance)


@register("jacobian_probe_scaling", "Seconds of the matrix-free eq-20 / block / identity probes vs tokens, as timed "
          "by `verify` (log-log slope in the title)", needs="verify", claims=("FPO-2", "FPO-3"))
def draw_probe_scaling(out_dir: Path = FIGURE_DIR, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Tokens vs seconds of the probe suite exactly as `verify` timed and stored them (nothing re-timed here)."""
    (rows, jacobian), provenance = stored(["jacobian_scaling.csv", "jacobian.json"], preset, allow_other)
    slope = jacobian["scaling_exponent"]
    tokens, seconds = [r["tokens"] for r in rows], [r["seconds"] for r in rows]
    with paper_style():
        fig, ax = new_figure("one-column")
        ax.loglog(tokens, seconds, marker="o", color=METHOD_COLORS["fiberpo"], label="measured (best of 2)")
        ax.loglog(tokens, [seconds[0] * t / tokens[0] for t in tokens], color="#bbbbbb", ls="--", lw=1,
                  label="linear reference")
        ax.set(xlabel="tokens", ylabel="seconds, one CPU thread")
        ax.set_title(f"eq-20 probes: log-log slope {slope:.2f} (≥ 1e5 tokens; 1 = linear)", fontsize=7)
        ax.legend(frameon=False, fontsize=6)
        config = {"source": "results/verify/jacobian_scaling.csv", "tokens": tokens, "scaling_exponent": slope}
        return save_figure(fig, "jacobian_probe_scaling", config, 0, out_dir, provenance)

"""Figures of the numeric checks, drawn from the stored results of `verify`: second-order gap (Thm 4.5),
update-direction cosines (EMP-2), Jacobian-probe scaling (Prop 5.2)."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

from fiberpo_check.plots.figure import pick_preset, register
from fiberpo_check.plots.style import (
    METHOD_COLORS,
    Provenance,
    method_label,
    new_figure,
    paper_style,
    save_figure,
)
from fiberpo_check import paths
from fiberpo_check.verification.checks.verify_suite import PRESETS

# the sink files `verify` writes for the checks these figures draw (results/verify/<claim>_<check>.json)
EMP1_FILE, EMP2_FILE, EQ20_FILE = "EMP-1_emp1_check.json", "EMP-2_emp2_check.json", "FPO-2_eq20_probes.json"


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
    results_dir = results_dir or paths.VERIFY_RESULTS
    files_read = [results_dir / name for name in files]
    found = verify_preset(results_dir) if all(path.exists() for path in files_read) else None
    chosen = pick_preset("verify", preset, [found] if found else [], allow_other)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in files_read)).hexdigest()
    data = [read_rows(path) if path.suffix == ".csv" else json.loads(path.read_text()) for path in files_read]
    return data, Provenance(chosen, digest, tuple(files))


@register("first_order_gap", "Second-order gap |dJ - dJ_hat| vs step: slope 2 with matching weights, 1 with 1/T_tau",
          needs="verify", claims=("FBG-2", "EMP-1"))
def draw_first_order_gap(out_dir: Path, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Log-log gap between true and surrogate improvement along a random logit direction (Thm 4.5)."""
    (first_order,), provenance = stored([EMP1_FILE], preset, allow_other)
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
        ax.set_title(r"solid: weights 1 (fitted slope); dashed: $1/T_\tau$", fontsize=7)
        fig.legend(loc="outside lower center", ncol=3, fontsize=6, frameon=False)
        return save_figure(fig, "first_order_gap", {"source": f"results/verify/{EMP1_FILE}"}, 0, out_dir,
                           provenance)


@register("update_direction_cosine", "EMP-2: mean path cosine cos(grad E J_hat, grad J) per problem, at budgets "
          "matched by measured drift", needs="verify", claims=("EMP-2",))
def draw_update_direction(out_dir: Path, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Per method, each problem's mean path cosine (dots) and the mean over problems (bar), as `verify` stored them."""
    (emp2,), provenance = stored([EMP2_FILE], preset, allow_other)
    rows = emp2["rows"]
    with paper_style():
        fig, ax = new_figure("one-column")
        for x, (method, problems) in enumerate(rows.items()):
            cosines = [r["cosine"] for r in problems]
            color = METHOD_COLORS.get(method, "#000000")
            ax.scatter([x] * len(cosines), cosines, s=6, color=color, alpha=0.5, lw=0)
            ax.hlines(sum(cosines) / len(cosines), x - 0.3, x + 0.3, color=color, lw=2)
        ax.set_xticks(range(len(rows)), [method_label(m) for m in rows], fontsize=6)
        ax.set(ylabel="mean path cos(∇EĴ, ∇J)", xlabel=f"{len(next(iter(rows.values())))} enumerable problems, "
               f"drift matched to {emp2['matched']['target']:.3f}")
        ax.axhline(0, color="#cccccc", lw=0.8)
        config = {"source": f"results/verify/{EMP2_FILE}", "metric": "mean path cosine, paired across problems"}
        return save_figure(fig, "update_direction_cosine", config, 0, out_dir, provenance)


@register("jacobian_probe_scaling", "Seconds of the matrix-free eq-20 / block / identity probes vs tokens, as timed "
          "by `verify` (log-log slope in the title)", needs="verify", claims=("FPO-2", "FPO-3"))
def draw_probe_scaling(out_dir: Path, preset: str = "default", allow_other: bool = False) -> list[Path]:
    """Tokens vs seconds of the probe suite exactly as `verify` timed and stored them (nothing re-timed here)."""
    (rows, jacobian), provenance = stored(["jacobian_scaling.csv", EQ20_FILE], preset, allow_other)
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

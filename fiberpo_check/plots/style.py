"""One figure style for the toolkit: paper sizes, a colour-blind-safe palette, fixed method colours."""

from __future__ import annotations

import contextlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..verdicts import ROOT  # noqa: E402

FIGURE_DIR = ROOT / "figures"

# Widths in inches of one column and of a full two-column page (NeurIPS/ICML-like).
SIZES = {"one-column": (3.4, 2.5), "two-column": (7.0, 2.8), "two-column-tall": (7.0, 4.6)}

# Okabe-Ito palette (colour-blind safe).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

METHOD_COLORS = {
    "ppo": "#999999",
    "grpo": "#D55E00",
    "gspo": "#E69F00",
    "apc": "#CC79A7",
    "tv_trpo": "#56B4E9",
    "fiberpo": "#0072B2",
    "fiberpo_domain": "#009E73",
    "true": "#000000",
}

RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.3,
    "savefig.bbox": "tight",
    "savefig.dpi": 200,
    "pdf.fonttype": 42,
    "figure.constrained_layout.use": True,
}


@contextlib.contextmanager
def paper_style():
    """Context in which every figure is drawn with the toolkit's style."""
    with plt.rc_context(RC):
        yield


def new_figure(size: str = "one-column", **subplot_kw):
    """A figure of a named paper size with its axes (kwargs go to plt.subplots)."""
    if size not in SIZES:
        raise ValueError(f"size: {size!r} is not one of {sorted(SIZES)}")
    return plt.subplots(figsize=SIZES[size], **subplot_kw)


def git_commit() -> str:
    """The current git commit of the toolkit, or 'unknown' outside a checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def package_versions() -> dict[str, str]:
    """Versions of the packages a figure depends on."""
    names = ("fiberpo-check", "torch", "numpy", "sympy", "matplotlib")
    versions = {"python": platform.python_version()}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def save_figure(fig, name: str, config: dict, seed: int | None = None, out_dir: Path = FIGURE_DIR) -> list[Path]:
    """Write <name>.pdf (vector), <name>.png and a <name>.json provenance sidecar; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.pdf", out_dir / f"{name}.png", out_dir / f"{name}.json"]
    fig.savefig(paths[0])
    fig.savefig(paths[1])
    sidecar = {"name": name, "config": config, "seed": seed, "git_commit": git_commit(), "versions": package_versions()}
    paths[2].write_text(json.dumps(sidecar, indent=2, sort_keys=True, default=str) + "\n")
    plt.close(fig)
    return paths

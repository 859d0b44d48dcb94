"""One figure style for the toolkit: paper sizes, a colour-blind-safe palette, fixed method colours."""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from fiberpo_check.engine.objectives import REGISTRY
from fiberpo_check.engine.objectives.ablations import GATES
from fiberpo_check import paths


# Widths in inches of one column and of a full two-column page (NeurIPS/ICML-like); fonts below are 7-8 pt at 100%.
SIZES = {"one-column": (3.4, 2.5), "one-column-tall": (3.4, 3.2), "two-column": (7.0, 2.8),
         "two-column-tall": (7.0, 5.0)}

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
    "fiberpo_cutoff": "#56B4E9",
    "true": "#000000",
}

METHOD_NAMES = {name: rgf.label for name, rgf in {**REGISTRY, **GATES}.items()} | {"true": "true J"}
HYPER_SYMBOLS = {"c_pos": "$C^{+}$", "c_neg": "$C^{-}$", "eps": r"$\epsilon$", "eps_low": r"$\epsilon$",
                 "eps_high": r"$\epsilon_{\mathrm{high}}$", "delta": r"$\delta$"}  # mathtext: the serif fonts lack ⁺ ⁻


def method_label(method: str, hyper: dict | None = None) -> str:
    """A legend label: the paper's method name, with hyperparameters when they tell runs of one method apart."""
    name = METHOD_NAMES.get(method, method)
    if not hyper:
        return name
    shown = ", ".join(f"{HYPER_SYMBOLS.get(key, key)}={value:g}" for key, value in hyper.items()
                      if isinstance(value, (int, float)))
    return f"{name} ({shown})" if shown else name


RC = {  # serif text and Times-like math (STIX), as in a LaTeX paper set in Times; exact widths (no tight bbox)
    "font.family": "serif",
    "font.serif": ["Times New Roman", "Nimbus Roman", "STIXGeneral", "DejaVu Serif"],
    "mathtext.fontset": "stix",
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
    "savefig.bbox": None,
    "savefig.dpi": 200,
    "savefig.pad_inches": 0.02,
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


def use_headless_backend() -> None:
    """Draw off-screen (Agg) in command-line runs; notebooks keep their inline backend."""
    matplotlib.use("Agg")


def git(*args: str) -> str | None:
    """Output of `git ARGS` in the toolkit's checkout, or None outside one."""
    try:
        out = subprocess.run(["git", *args], cwd=paths.SOURCE, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def git_commit() -> str:
    """The current git commit of the toolkit, or 'unknown' outside a checkout."""
    return git("rev-parse", "HEAD") or "unknown"


GENERATED_OUTPUTS = ("derivations/out", "reports", "figures", "results", "docs/errata.md")


def git_dirty() -> bool | None:
    """True when tracked source files differ from the commit; None outside a checkout. Untracked files and the
    generated outputs `make all` rewrites before it draws figures (GENERATED_OUTPUTS) do not count."""
    excluded = [f":(exclude){path}" for path in GENERATED_OUTPUTS]
    status = git("status", "--porcelain", "--untracked-files=no", "--", ".", *excluded)
    return None if status is None else bool(status)


def data_hash(payload) -> str:
    """SHA-256 of the canonical JSON of the data a figure is drawn from."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Provenance:
    """Where a figure's numbers come from: the preset of the stored results (None: computed from formulas)."""

    preset: str | None
    data_sha256: str
    sources: tuple[str, ...] = ()


def package_versions() -> dict[str, str]:
    """Versions of the packages a figure depends on."""
    names = ("fiberpo-check", "torch", "numpy", "sympy", "matplotlib")
    versions = {"python": platform.python_version()}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def save_figure(
    fig, name: str, config: dict, seed: int | None = None, out_dir: Path | None = None,
    provenance: Provenance | None = None,
) -> list[Path]:
    """Write <name>.pdf (vector), <name>.png and a <name>.json provenance sidecar; returns the paths.

    Without `provenance` the figure is drawn from formulas alone and its data hash is that of `config`."""
    out_dir = out_dir or paths.FIGURES
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / f"{name}.pdf", out_dir / f"{name}.png", out_dir / f"{name}.json"]
    fig.savefig(written[0])
    fig.savefig(written[1])
    provenance = provenance or Provenance(None, data_hash(config))
    sidecar = {"name": name, "config": config, "seed": seed, "git_commit": git_commit(), "git_dirty": git_dirty(),
               "preset": provenance.preset, "data_sha256": provenance.data_sha256,
               "sources": list(provenance.sources), "versions": package_versions()}
    written[2].write_text(json.dumps(sidecar, indent=2, sort_keys=True, default=str) + "\n")
    plt.close(fig)
    return written

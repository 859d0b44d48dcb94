"""Registry of every figure the toolkit draws: a stable name, a one-line caption and a drawing function."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

# Modules that register figures when imported (each adds itself here when it is written).
FIGURE_MODULES: list[str] = ["fiberpo_check.plots.paper_figures", "fiberpo_check.plots.experiment_figures", "fiberpo_check.plots.verify_figures"]


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: draw(out_dir) writes it and returns the written paths.

    `needs` names the stored results it is drawn from ('experiments' or 'verify'; None: formulas only); such a
    figure's draw also takes `preset` and `allow_other` (draw from another preset's results, said in the sidecar).
    `claims` are the ledger ids the figure illustrates (the report shows it beside them)."""

    name: str
    caption: str
    draw: Callable
    needs: str | None = None
    claims: tuple[str, ...] = ()


FIGURES: dict[str, FigureSpec] = {}


def register(name: str, caption: str, needs: str | None = None, claims: tuple[str, ...] = ()):
    """Decorator registering a drawing function `draw(out_dir) -> list[Path]` under a stable name."""

    def wrap(draw: Callable) -> Callable:
        if name in FIGURES:
            raise ValueError(f"figure name {name!r} is registered twice")
        FIGURES[name] = FigureSpec(name, caption, draw, needs, tuple(claims))
        return draw

    return wrap


def load_all() -> dict[str, FigureSpec]:
    """Import every figure module and return the registry."""
    for module in FIGURE_MODULES:
        importlib.import_module(module)
    return FIGURES


def draw(spec: FigureSpec, out_dir, preset: str = "default", allow_other: bool = False):
    """Draw one figure; figures drawn from stored results get the preset they must come from."""
    if spec.needs is None:
        return spec.draw(out_dir)
    return spec.draw(out_dir, preset=preset, allow_other=allow_other)


class PresetMismatch(LookupError):
    """The stored results a figure needs are missing for the requested preset (or come from another one)."""


def pick_preset(command: str, wanted: str, available: list[str], allow_other: bool) -> str:
    """`wanted` when `command`'s results exist for it; another preset only with `allow_other`; else PresetMismatch."""
    if wanted in available:
        return wanted
    if allow_other and available:
        chosen = "default" if "default" in available else available[-1]
        print(f"WARNING: no {wanted!r} results of `{command}`: drawing from the {chosen!r} preset", flush=True)
        return chosen
    found = f"only {available} found" if available else "none found"
    raise PresetMismatch(f"results of `{command}` for the {wanted!r} preset are missing ({found}): run "
                         f"`python -m fiberpo_check {command} --preset {wanted}`, or pass --allow-other-preset "
                         f"to draw from another preset (recorded in the sidecar)")

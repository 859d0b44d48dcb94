"""Registry of every figure the toolkit draws: a stable name, a one-line caption and a drawing function."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

# Modules that register figures when imported (each adds itself here when it is written).
FIGURE_MODULES: list[str] = ["fiberpo_check.plots.paper_figures", "fiberpo_check.plots.experiment_figures", "fiberpo_check.checks.figures"]


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: draw(out_dir) writes it and returns the written paths."""

    name: str
    caption: str
    draw: Callable


FIGURES: dict[str, FigureSpec] = {}


def register(name: str, caption: str):
    """Decorator registering a drawing function `draw(out_dir) -> list[Path]` under a stable name."""

    def wrap(draw: Callable) -> Callable:
        if name in FIGURES:
            raise ValueError(f"figure name {name!r} is registered twice")
        FIGURES[name] = FigureSpec(name, caption, draw)
        return draw

    return wrap


def load_all() -> dict[str, FigureSpec]:
    """Import every figure module and return the registry."""
    for module in FIGURE_MODULES:
        importlib.import_module(module)
    return FIGURES

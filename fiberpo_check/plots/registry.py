"""The figures the toolkit draws: a stable name, a one-line caption and a drawing function each, marked in the
figure modules listed here and collected from them by `load_all`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

FIGURE_MODULES = ("fiberpo_check.plots.paper_figures", "fiberpo_check.plots.experiment_figures",
                  "fiberpo_check.plots.verify_figures")


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


def register(name: str, caption: str, needs: str | None = None, claims: tuple[str, ...] = ()):
    """Decorator: mark a drawing function `draw(out_dir) -> list[Path]` as the figure `name`."""

    def wrap(draw: Callable) -> Callable:
        draw.figure = FigureSpec(name, caption, draw, needs, tuple(claims))
        return draw

    return wrap


def load_all() -> dict[str, FigureSpec]:
    """name -> FigureSpec of every figure marked in FIGURE_MODULES, in module then definition order; a name used
    twice raises."""
    figures: dict[str, FigureSpec] = {}
    for name in FIGURE_MODULES:
        module = importlib.import_module(name)
        for spec in (fn.figure for fn in vars(module).values() if getattr(fn, "__module__", None) == name
                     and hasattr(fn, "figure")):
            if spec.name in figures:
                raise ValueError(f"figure name {spec.name!r} is used twice")
            figures[spec.name] = spec
    return figures


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

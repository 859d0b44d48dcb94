"""Every figure the toolkit draws: the figure modules, listed, and the figures marked in them (`load_all`)."""

from __future__ import annotations

from fiberpo_check.plots import experiment_figures, paper_figures, verify_figures
from fiberpo_check.plots.figure import FigureSpec
from fiberpo_check.vocabulary.check_registry import marked_functions

FIGURE_MODULES = (paper_figures, experiment_figures, verify_figures)


def load_all() -> dict[str, FigureSpec]:
    """name -> FigureSpec of every figure marked in FIGURE_MODULES, in module then definition order; a name used
    twice raises."""
    figures: dict[str, FigureSpec] = {}
    for spec in (fn.figure for fn in marked_functions(FIGURE_MODULES, "figure")):
        if spec.name in figures:
            raise ValueError(f"figure name {spec.name!r} is used twice")
        figures[spec.name] = spec
    return figures


def draw(spec: FigureSpec, out_dir, preset: str = "default", allow_other: bool = False):
    """Draw one figure; figures drawn from stored results get the preset they must come from."""
    if spec.needs is None:
        return spec.draw(out_dir)
    return spec.draw(out_dir, preset=preset, allow_other=allow_other)

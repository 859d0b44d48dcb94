"""A figure of the toolkit: its spec (a stable name, a one-line caption, the drawing function, the stored results it
is drawn from) and the mark that declares it; choosing the preset whose stored results a figure is drawn from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class FigureSpec:
    """A figure: draw(out_dir) writes it and returns the written paths.

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

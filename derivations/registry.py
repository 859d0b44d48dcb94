"""`@derivation(claim_id)` marks a group module's function returning Parts (formula.py) as the check of that claim,
its sub-statements decided by the provers (provers.py); catalogue.py gathers the marked functions of every group."""

from __future__ import annotations

from typing import Callable

from fiberpo_check.vocabulary.check_registry import register

from .formula import Part
from .provers import substatements

PRODUCER = "derivations"


def derivation(claim_id: str, controls: dict[str, dict] | None = None, positives: dict[str, dict] | None = None):
    """Decorator: mark `fn(**ingredients) -> list[Part]` as the check of claim_id; each control is a dict of mutated
    ingredients (the same check run on them must reach a negative status), each positive a dict of ingredients under
    which every sub-statement holds."""

    def wrap(fn: Callable[..., list[Part]]) -> Callable[..., list[Part]]:
        def check(**ingredients):
            return substatements(fn(**ingredients))

        register(claim_id, PRODUCER, name=fn.__name__,
                 controls={name: (lambda kw=kw: check(**kw)) for name, kw in (controls or {}).items()},
                 positives={name: (lambda kw=kw: check(**kw)) for name, kw in (positives or {}).items()})(check)
        fn.claim_id, fn.controls, fn.checks = claim_id, dict(controls or {}), check.checks
        return fn

    return wrap

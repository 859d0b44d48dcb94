"""The derivations registered as checks: `@derivation(claim_id)` makes a group module's function returning Parts
(formula.py) the check of that claim in the check registry, its sub-statements decided by the provers (provers.py)."""

from __future__ import annotations

from typing import Callable

from fiberpo_check.vocabulary import check_registry

from .formula import Part
from .provers import substatements

PRODUCER = "derivations"

DERIVATIONS: dict[str, Callable] = {}


def derivation(claim_id: str, controls: dict[str, dict] | None = None, positives: dict[str, dict] | None = None):
    """Decorator: `fn(**ingredients) -> list[Part]` becomes the check of claim_id, registered with the verdict
    engine; each control is a dict of mutated ingredients (the same check run on them must reach a negative status),
    each positive a dict of ingredients under which every sub-statement holds."""

    def wrap(fn: Callable[..., list[Part]]) -> Callable[..., list[Part]]:
        def check(**ingredients):
            return substatements(fn(**ingredients))

        check.__name__ = fn.__name__
        check_registry.register(claim_id, PRODUCER, name=fn.__name__,
                                controls={name: (lambda kw=kw: check(**kw)) for name, kw in (controls or {}).items()},
                                positives={name: (lambda kw=kw: check(**kw))
                                           for name, kw in (positives or {}).items()})(check)
        fn.claim_id = claim_id
        fn.controls = dict(controls or {})
        DERIVATIONS[claim_id] = fn
        return fn

    return wrap

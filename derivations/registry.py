"""The derivations as checks: `@derivation(claim_id)` marks a group module's function returning Parts (formula.py)
as the check of that claim, its sub-statements decided by the provers (provers.py); `derivations()` lists them from
the group modules named in GROUPS, and `derivation_checks()` gives them to the verdict engine."""

from __future__ import annotations

import importlib
from typing import Callable

from fiberpo_check.vocabulary.check_registry import Check, collect, register

from . import GROUPS
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


def group_module(name: str):
    """The group module `name` of GROUPS."""
    if name not in GROUPS:
        raise ValueError(f"group: {name!r} is not one of {tuple(GROUPS)}")
    return importlib.import_module(f"{__package__}.{name}")


def derivations(groups=None) -> dict[str, Callable]:
    """claim id -> its derivation function, for the listed groups (all of GROUPS by default), in group then
    definition order."""
    found = {}
    for name in groups or GROUPS:
        module = group_module(name)
        for fn in vars(module).values():
            if callable(fn) and hasattr(fn, "claim_id") and fn.__module__ == module.__name__:
                if fn.claim_id in found:
                    raise ValueError(f"claim {fn.claim_id}: two derivations")
                found[fn.claim_id] = fn
    return found


def derivation_checks() -> list[Check]:
    """Every derivation as a check of the verdict engine."""
    return collect([group_module(name) for name in GROUPS])

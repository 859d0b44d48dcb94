"""The registry of checks: one entry per (claim id, producer, name), with the negative controls it must fail.

A check is a function returning the claim's SubStatements (with their outcomes). Its controls are zero-argument
functions that run the same check on mutated ingredients (a wrong slope, a dropped term, a synthetic result that
contradicts the claim) and return SubStatements too; the test suite runs every control and requires it to reach a
negative status, so no registered check can be unable to fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .verdicts import SubStatement

CheckFn = Callable[..., list[SubStatement]]


@dataclass(frozen=True)
class Check:
    """A registered check of one claim by one producer."""

    claim_id: str
    producer: str
    name: str
    run: CheckFn
    controls: dict[str, Callable[[], list[SubStatement]]] = field(default_factory=dict)


REGISTRY: dict[tuple[str, str, str], Check] = {}


def register(claim_id: str, producer: str, name: str | None = None, controls: dict | None = None):
    """Decorator: register `fn` as the check `name` (default: the function's name) of claim_id by producer."""

    def wrap(fn: CheckFn) -> CheckFn:
        key = (claim_id, producer, name or fn.__name__)
        if key in REGISTRY:
            raise ValueError(f"check {key} is registered twice")
        REGISTRY[key] = Check(claim_id, producer, key[2], fn, dict(controls or {}))
        return fn

    return wrap


def checks(producer: str | None = None, claim_id: str | None = None) -> list[Check]:
    """Registered checks, filtered by producer and/or claim id, in a fixed order."""
    return [c for key, c in sorted(REGISTRY.items())
            if (producer is None or c.producer == producer) and (claim_id is None or c.claim_id == claim_id)]

"""Run a registered derivation check (paper ingredients or one control) once per session and read its statuses."""

from __future__ import annotations

import functools

from fiberpo_check import check_registry
from fiberpo_check.verdicts import Status, row_status

PRODUCER = "derivations"


@functools.lru_cache(maxsize=None)
def run(claim_id: str, control: str | None = None) -> tuple:
    """The SubStatements of claim_id's derivation check, on the paper's ingredients or on the named control's."""
    (check,) = check_registry.checks(PRODUCER, claim_id)
    return tuple(check.run() if control is None else check.controls[control]())


def row(claim_id: str, control: str | None = None) -> Status:
    """The claim's row status (worst over its 'result' sub-statements)."""
    return row_status(run(claim_id, control))


def statuses(claim_id: str, control: str | None = None) -> dict[str, Status]:
    """Sub-statement id -> status."""
    return {s.id: s.status for s in run(claim_id, control)}


def control_cases(expected: dict) -> list[tuple]:
    """(claim id, control name, expected row status) for every control of a table {claim: (paper, {control: status})}."""
    return [(claim, name, status) for claim, (_, controls) in expected.items() for name, status in controls.items()]

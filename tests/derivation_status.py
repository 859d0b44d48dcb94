"""Run a registered derivation check (paper ingredients or one control) once per session and read its statuses."""

from __future__ import annotations

import functools

from derivations.catalogue import derivation_checks
from fiberpo_check.vocabulary.check_registry import select
from fiberpo_check.vocabulary.verdicts import Status, row_status

PRODUCER = "derivations"


@functools.lru_cache(maxsize=None)
def run(claim_id: str, control: str | None = None) -> tuple:
    """The SubStatements of claim_id's derivation check, on the paper's ingredients or on the named control's."""
    (check,) = select(derivation_checks(), PRODUCER, claim_id)
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


def group_tests(expected: dict, parts: dict):
    """The three tests every derivation group runs: row status on the paper's ingredients (and the control names),
    each listed sub-statement's status, and each control's row status. Assign them to test_* names in the module."""
    import pytest

    @pytest.mark.parametrize("claim_id", expected)
    def test_paper_status(claim_id):
        assert row(claim_id) == expected[claim_id][0]
        (check,) = select(derivation_checks(), PRODUCER, claim_id)
        assert set(check.controls) == set(expected[claim_id][1])

    @pytest.mark.parametrize("claim_id", parts)
    def test_substatement_statuses(claim_id):
        assert statuses(claim_id) == parts[claim_id]

    @pytest.mark.parametrize("claim_id, control, status", control_cases(expected))
    def test_control_reaches_negative_status(claim_id, control, status):
        assert row(claim_id, control) == status

    return test_paper_status, test_substatement_statuses, test_control_reaches_negative_status


def substatement(claim_id: str, part_id: str):
    """One sub-statement of the claim's paper run."""
    (found,) = [s for s in run(claim_id) if s.id == part_id]
    return found

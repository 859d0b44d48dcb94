"""Item 4: every registered check can fail. Each control reaches a negative status, each positive a positive one,
and no check's reachable statuses (its real status on the small preset, its controls', its positives') are one.

The numeric and exact checks of `fiberpo_check.verification.checks` run in the default suite (about a minute on 2 cores); the
derivations' checks run their provers on every T up to their bound (minutes), so their cases are marked slow."""

from __future__ import annotations

import inspect

import pytest

from derivations.catalogue import derivation_checks
from fiberpo_check.empirical.experiments import experiment_verdicts
from fiberpo_check.verification.checks import verify_suite
from fiberpo_check.vocabulary import check_registry
from fiberpo_check.vocabulary.verdicts import NEGATIVE, Outcome, Status, SubStatement, row_status, worst


def every_producer_check() -> tuple[list[check_registry.Check], dict[str, str]]:
    """The checks each producer lists (numeric checks, experiments, derivations), and the producers whose list
    failed to build (reported by test_every_producer_imports, so the other checks still run)."""
    found, failed = [], {}
    for producer, listed in (("verify", lambda: verify_suite.CHECKS), ("experiments", lambda: experiment_verdicts.CHECKS),
                             ("derivations", derivation_checks)):
        try:
            found += listed()
        except Exception as error:  # noqa: BLE001 - re-raised as a test failure below
            failed[producer] = repr(error)
    return found, failed


CHECKS, IMPORT_ERRORS = every_producer_check()


def test_every_producer_imports():
    assert not IMPORT_ERRORS, IMPORT_ERRORS


def status_of(substatements: list[SubStatement]) -> Status:
    """The most severe status among a run's sub-statements (remarks included: a control may target one)."""
    assert substatements, "a check returned no sub-statement"
    return worst(s.status for s in substatements)


def test_every_producer_registered_its_checks():
    claims = {(c.producer, c.claim_id) for c in CHECKS}
    assert {("verify", claim) for claim in ("FPO-2", "FPO-3", "FPO-7", "FGH-4", "RGF-1")} <= claims
    assert any(producer == "derivations" for producer, _ in claims)
    assert {("experiments", claim) for claim in ("APC-6", "EMP-3", "EMP-4", "RGF-3")} <= claims
    assert {("verify", claim) for claim in ("EMP-1", "EMP-2")} <= claims


def as_param(check: check_registry.Check):
    """A pytest parameter per check; the derivations' (prover runs over every T) are slow."""
    marks = [pytest.mark.slow] if check.producer == "derivations" else []
    return pytest.param(check, marks=marks, id=f"{check.claim_id}:{check.producer}:{check.name}")


@pytest.mark.parametrize("check", [as_param(c) for c in CHECKS])
def test_check_can_fail(check):
    assert check.controls, f"{check.name}: no negative control"
    # a check of a stored run (EMP-4, RGF-3 take a tiny-LM report) is shown by its controls and positives alone
    takes_inputs = any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                       for p in inspect.signature(check.run).parameters.values())
    reached = set() if takes_inputs else {status_of(check.run())}
    for name, control in sorted(check.controls.items()):
        status = status_of(control())
        assert status in NEGATIVE, f"control {name} of {check.name} reached {status.value}"
        reached.add(status)
    for name, positive in sorted(check.positives.items()):
        status = row_status(positive())
        assert status.positive, f"positive {name} of {check.name} reached {status.value}"
        reached.add(status)
    assert len(reached) > 1, f"{check.name} reaches only {[s.value for s in reached]}"


def test_a_check_whose_control_passes_is_caught():
    """The test above would fail on a check that cannot fail: its control comes out as its real run does."""
    holds = Outcome("proof", "sympy", "all T", holds=True)
    sub = [SubStatement("X-1/a", "a", "p. 1", (holds,))]
    fake = check_registry.Check("X-1", "test", "cannot_fail", lambda: sub, {"mutant": lambda: sub})
    assert status_of(fake.controls["mutant"]()) not in NEGATIVE
    assert len({status_of(fake.run()), status_of(fake.controls["mutant"]())}) == 1


def test_run_checks_pools_substatements_of_one_claim():
    proved = Outcome("proof", "z3", "T ≤ 4", holds=True)
    bad = Outcome("float", "float64", "grid", holds=False, counterexample="gap 1")
    first = check_registry.Check("X-2", "test", "a", lambda: [SubStatement("X-2/s", "s", "p. 2", (proved,))])
    second = check_registry.Check("X-2", "test", "b", lambda: [SubStatement("X-2/s", "s", "p. 2", (bad,))])
    [verdict] = check_registry.run_checks([first, second], say=lambda line: None)
    assert verdict.status is Status.REFUTED and len(verdict.substatements[0].outcomes) == 2

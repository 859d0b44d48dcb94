"""Parametric encodings: every sub-statement once checked only for small T (k, T_s, hierarchy) is proved for the
paper's whole domain, each with a negative control that refutes it; bounded checks read verified-bounded with their
bound; and no statement collapses to a constant before a prover runs."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.formula import Family, Search, Statement, var
from derivations.catalogue import derivations
from derivations.provers import DerivationError, decide_statement
from fiberpo_check.vocabulary.verdicts import Outcome, Status, decide

from .derivation_status import run

# sub-statement -> (claim, the control that must refute it)
PARAMETRIC = {
    "FPO-4/identity": ("FPO-4", "opposite-channel clip shifted by ε/2"),
    "FPO-4/identity-ball": ("FPO-4", "radius doubled"),
    "FPO-4/largest": ("FPO-4", "radius halved"),
    "FPO-3/block-diagonal": ("FPO-3", "log s± pooled over the batch"),
    "FPO-6/continuity": ("FPO-6", "slope of g_agg doubled"),
    "FPO-7/G-I": ("FPO-7", "G-I read up to twice the budgets"),
    "FPO-7/G-III": ("FPO-7", "g_agg without zeroing"),
    "FPO-10/fiber-pass": ("FPO-10", "fiber clip at ±ε/2"),
    "FBG-1/reflecting": ("FBG-1", "kernel 1/(T + 1)"),
    "FBG-1/zero-residual": ("FBG-1", "kernel 1/(T + 1)"),
    "FBG-2/gate-identity": ("FBG-2", "base gate slope 2"),
    "DER-1/decomposed-is-eq77": ("DER-1", "eq 77 budget without the +1"),
    "APC-2/clip-bound": ("APC-2", "Kronecker delta dropped"),
    "APC-3/D.6": ("APC-3", "no centering"),
    "APC-3/inactive": ("APC-3", "no centering"),
    "TRPO-1/tv-region": ("TRPO-1", "TV without absolute values"),
    "TRPO-2/scaling-70": ("TRPO-2", "value at radius c taken as c²M(s)"),
    "TRPO-2/scaling-71": ("TRPO-2", "relaxed radius read as c* ≥ c"),
    "TRPO-3/D.2": ("TRPO-3", "‖Â‖∞ halved in D.2"),
    "TRPO-4/eq37": ("TRPO-4", "ratio form without ½"),
    "RGF-2/gspo-case2": ("RGF-2", "token mean over T + 1"),
    "RGF-3/jensen": ("RGF-3", "Jensen with E[X²]/2"),
    "FGH-1/compact-is-expanded": ("FGH-1", "residual with 2K, gates 2x"),
    "FGH-1/n1-is-FBG": ("FGH-1", "residual with 2K, gates 2x"),
    "FGH-2/closed-form": ("FGH-2", "token-share kernel"),
    "FGH-3/telescoping": ("FGH-3", "one level with slope 2"),
    "FGH-3/identity-gates": ("FGH-3", "one level with slope 2"),
    "FGH-4/independent-budgets": ("FGH-4", "residual with 2K"),
    "FGH-4/pass-through-block": ("FGH-4", "group input log s_g, not log s_g − log s_D"),
    "FGH-4/cross-domain": ("FGH-4", "domain mean over the whole batch"),
    "FGH-4/independent-inputs": ("FGH-4", "group fed the domain gate's rollback output"),
    "RGF-1/ppo": ("RGF-1", "gate without the sign labels"),
    "RGF-1/grpo": ("RGF-1", "gate without the sign labels"),
    "RGF-1/gspo": ("RGF-1", "gate without the sign labels"),
}
BOUNDED = {"APC-4/D.9-1": ("APC-4", "T_s ≤ 3"), "DER-2/RGF-is-eq7": ("DER-2", "T ≤ 2"),
           "FBG-2/unit-weights": ("FBG-2", "one process")}


def found(claim_id: str, part_id: str, control: str | None = None):
    """One sub-statement of a claim's run."""
    (sub,) = [s for s in run(claim_id, control) if s.id == part_id]
    return sub


@pytest.mark.slow
@pytest.mark.parametrize("part_id", PARAMETRIC)
def test_proved_for_the_whole_domain(part_id):
    sub = found(PARAMETRIC[part_id][0], part_id)
    assert sub.status is Status.PROVED
    proofs = [o for o in sub.outcomes if o.method == "proof" and o.holds]
    assert proofs and all(not o.bound and o.domain.startswith("every") for o in proofs), sub.outcomes


@pytest.mark.slow
@pytest.mark.parametrize("part_id", PARAMETRIC)
def test_negative_control_refutes_it(part_id):
    claim_id, control = PARAMETRIC[part_id]
    assert found(claim_id, part_id, control).status is Status.REFUTED


@pytest.mark.slow
@pytest.mark.parametrize("part_id", BOUNDED)
def test_bounded_checks_name_their_bound(part_id):
    claim_id, bound = BOUNDED[part_id]
    sub = found(claim_id, part_id)
    assert sub.status is Status.VERIFIED_BOUNDED
    assert all(bound in o.bound for o in sub.outcomes if o.method == "proof")


def test_a_bounded_proof_is_never_proved():
    assert decide(Outcome("proof", "z3", "every T ≤ 8", True, bound="T ≤ 8")) is Status.VERIFIED_BOUNDED
    assert decide(Outcome("proof", "z3", "every T", True)) is Status.PROVED
    assert decide(Outcome("proof", "z3", "every T ≤ 8", False, counterexample="T = 2: x = 1")) is Status.REFUTED
    order = list(Status)
    assert order.index(Status.NOT_YET_CHECKED) < order.index(Status.VERIFIED_BOUNDED) < order.index(
        Status.VERIFIED_EXHAUSTIVELY) < order.index(Status.PROVED)
    with pytest.raises(ValueError, match="bound"):
        Outcome("exhaustive", "exact-rationals", "a grid", True, bound="T ≤ 8")


def test_an_abstraction_counterexample_is_not_reported():
    """A lemma that fails in the abstraction (here: a free aggregate without its defining constraint) leaves the
    family verified-bounded; it never refutes the statement."""
    from derivations.provers import outcome_of

    x = var("x")
    family = Family(lambda t: Statement(sp.Ge(t * x**2, 0, evaluate=False)), 3,
                    symbolic=Statement(var("S") >= 0), symbolic_domain="S stands for T·x² without its constraint")
    outcome, _ = outcome_of(family)
    assert decide(outcome) is Status.VERIFIED_BOUNDED and outcome.bound == "T ≤ 3"
    assert "abstraction" in outcome.measurements["parametric encoding"]


# ---------------------------------------------------------------- no statement collapses to a constant


def statements_of(claim) -> list[Statement]:
    """Every Statement a claim hands the provers: the instances of a family (its first three), its lemmas."""
    if isinstance(claim, Statement):
        return [claim]
    if isinstance(claim, Search):
        return list(claim.lemmas)
    members = [claim.build(t) for t in range(claim.t_min, min(claim.t_max, claim.t_min + 2) + 1)]
    return [*members, *claim.lemmas]


def collapsed_statements(parts) -> list[str]:
    """'part id: what collapsed' for every statement of the parts (claim, condition, support, cross-checks,
    intended reading) that is True/False as built."""
    found_collapsed = []
    for part in parts:
        claims = [part.claim, *part.support, *part.crosschecks] + ([part.intended] if part.intended else [])
        for claim in claims:
            for statement in statements_of(claim):
                found_collapsed += [f"{part.id}: {c}" for c in statement.collapsed()]
        if callable(part.condition) and isinstance(part.claim, Family):
            found_collapsed += [f"{part.id}: condition {h}" for h in part.condition(part.claim.t_min)
                                if isinstance(sp.sympify(h), sp.logic.boolalg.BooleanAtom)]
    return found_collapsed


def assert_no_collapse(parts) -> None:
    """Fails naming every statement that simplified to True/False before a prover ran."""
    collapsed = collapsed_statements(parts)
    assert not collapsed, collapsed


DERIVATIONS = derivations()


@pytest.mark.parametrize("claim_id", sorted(DERIVATIONS))
def test_no_statement_collapses_to_a_constant(claim_id):
    """On the paper's ingredients and on every negative control's."""
    check = DERIVATIONS[claim_id]
    assert_no_collapse(check())
    for mutation in check.controls.values():
        assert_no_collapse(check(**mutation))


def test_the_collapse_test_fails_on_a_collapsed_statement():
    from derivations.formula import Part

    x = var("x")
    collapsed = Part("X-1/collapsed", "p. 0", Statement(sp.Eq(x + 1, 1 + x)))  # SymPy evaluates this to True
    with pytest.raises(AssertionError, match="X-1/collapsed: conclusion True"):
        assert_no_collapse([collapsed])
    with pytest.raises(DerivationError, match="collapsed"):
        decide_statement(collapsed.claim)
    assert_no_collapse([Part("X-1/kept", "p. 0", Statement(sp.Eq(x + 1, 1 + x, evaluate=False)))])


@pytest.mark.slow
def test_ppo_majority_needs_drift_past_two_eps():
    """p. 13: in the tracking case with drift > ε, PPO/GRPO clip at most half the tokens of an exact witness (T = 2);
    with drift > 2ε every token is past ±ε, proved for every T (the check's positive control)."""
    from derivations.catalogue import derivation_checks
    from fiberpo_check.vocabulary.check_registry import select

    sub = found("FPO-10", "FPO-10/ppo-majority")
    outcome = sub.outcomes[0]
    assert sub.status is Status.HOLDS_WITH_CONDITIONS
    assert outcome.counterexample.startswith("T = 2:") and outcome.condition_holds is True
    (check,) = select(derivation_checks(), "derivations", "FPO-10")
    (majority,) = [s for s in check.positives["drift past 2ε"]() if s.id == "FPO-10/ppo-majority"]
    assert majority.status is Status.PROVED and majority.outcomes[0].domain.startswith("every T")

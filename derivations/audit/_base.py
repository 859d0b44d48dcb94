"""The audit's machinery: rows, their registered checks (each with controls), and findings built on the provers.

A check returns `Finding`s: the text of what was checked (rendered from the checked formula, or from the exact
values compared) and the verdict engine's Outcome. Controls are keyword arguments that mutate the check's
ingredients (a wrong factor, a dropped condition); the tests run every control and require the statuses reached to
include a negative one and to be more than one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

import sympy as sp

from fiberpo_check.vocabulary.audit_rows import AuditRow
from fiberpo_check.vocabulary.verdicts import Outcome

from ..formula import Search, unfold
from ..provers import NotInLogic, evaluate_exact, exhaustive, outcome_of
from ..plain import plain, plain_formula


@dataclass(frozen=True)
class Finding:
    """What one check established: the checked text and its Outcome."""

    text: str
    outcome: Outcome


@dataclass
class AuditCheck:
    """A row's check: `run(**kw)` returns Findings; `controls` maps a name to mutated keyword arguments."""

    row_id: str
    run: Callable[..., list[Finding]]
    controls: dict = field(default_factory=dict)


def row(section: str, page: int, row_id: str, quote: str, kind: str, **kw) -> AuditRow:
    """An AuditRow (the catalogue entry)."""
    return AuditRow(section, page, row_id, quote, kind, **kw)


def check(*row_ids: str, controls: dict | None = None):
    """Decorator: mark `fn(**kw) -> list[Finding]` as the check of each row id, with its controls (the audit package
    collects the marks of the modules it lists)."""

    def wrap(fn):
        fn.audit_checks = (*getattr(fn, "audit_checks", ()),
                           *(AuditCheck(row_id, fn, dict(controls or {})) for row_id in row_ids))
        return fn

    return wrap


# ---------------------------------------------------------------- findings


def proved(claim, condition=()) -> Finding:
    """A Statement, Family or Search decided by the provers (z3 and SymPy; exact counterexamples)."""
    return Finding(plain(claim), outcome_of(claim, condition)[0])


def agree(name_a: str, a, name_b: str, b, where: str) -> Finding:
    """Two readings of one quantity compared exactly at a stated point: equal, or an `inconsistent` conflict. Numeric
    values are re-evaluated by the independent exact evaluator, which must agree with SymPy."""
    a, b = sp.sympify(a), sp.sympify(b)
    same = sp.simplify(a - b) == 0
    rechecked = ""
    if not (a.free_symbols or b.free_symbols):
        try:
            exact_a, exact_b = evaluate_exact(a, {}), evaluate_exact(b, {})
        except NotInLogic:
            exact_a = exact_b = None
        if exact_a is not None:
            if (exact_a == exact_b) != same:
                raise ValueError(f"agree: SymPy and the exact evaluator differ on {a} = {b}")
            rechecked = "; re-evaluated in exact rationals"
    conflict = "" if same else f"{name_a} = {plain_formula(a)} but {name_b} = {plain_formula(b)} ({where}{rechecked})"
    return Finding(f"{name_a} = {name_b} at {where}",
                   Outcome("exhaustive", "sympy exact", where, same, conflict=conflict))


def typo(written: Finding, intended: Finding) -> Finding:
    """A written statement that fails, with its intended reading checked beside it."""
    o = written.outcome
    outcome = Outcome(o.method, o.engine, o.domain, o.holds, counterexample=o.counterexample or o.conflict,
                      condition=o.condition, condition_holds=o.condition_holds, intended=intended.outcome)
    return Finding(f"as written: {written.text}; intended: {intended.text}", outcome)


def expansion(expr, approx, x: sp.Symbol, order: int) -> Finding:
    """`expr ≈ approx` as x → 0, with the terms below x^order claimed exact: the error's leading term, computed.

    holds when the error starts at order ≥ `order` (then the status is approximate, with the error stated)."""
    err = sp.series(expr - approx, x, 0, order + 3).removeO()
    lead = sp.Poly(sp.expand(err), x).terms()[-1] if err != 0 else None
    degree = lead[0][0] if lead else order + 3
    term = lead[1] * x ** degree if lead else 0
    text = f"{plain_formula(expr)} ≈ {plain_formula(approx)} as {x} → 0"
    if degree >= order:
        return Finding(text, Outcome("proof", "sympy", f"series in {x} at 0", True,
                                     error=f"{plain_formula(expr)} − ({plain_formula(approx)}) = "
                                           f"{plain_formula(term)} + O({plain_formula(x)}^{degree + 1})"))
    return Finding(text, Outcome("proof", "sympy", f"series in {x} at 0", False,
                                 counterexample=f"the error {plain_formula(term)} is of order {degree}, not ≥ {order}"))


def exact(values) -> tuple:
    """Fractions of the given numbers (ints, strings like '1/3', Fractions)."""
    return tuple(Fraction(v) for v in values)


def identity(lhs, rhs, probe: dict, domain: str) -> Finding:
    """lhs = rhs proved by SymPy simplification (logs and exponentials, outside z3's logic); when the difference does
    not vanish it is evaluated at the exact `probe` point, which must then show it nonzero."""
    gap = sp.simplify(sp.expand_log(lhs - rhs, force=True))
    text = f"{plain_formula(lhs)} = {plain_formula(rhs)}"
    if gap == 0:
        return Finding(text, Outcome("proof", "sympy", domain, True))
    value = sp.nsimplify(sp.simplify(gap.subs(probe)))
    if value == 0:
        raise ValueError(f"probe: {probe} does not separate the two sides of {text}")
    point = ", ".join(f"{plain_formula(k)} = {v}" for k, v in probe.items())
    return Finding(text, Outcome("proof", "sympy", domain, False,
                                 counterexample=f"{point}: the sides differ by {value}"))


def under_condition(finding: Finding, condition: str, checked: Finding) -> Finding:
    """A failing finding with the unstated condition under which the statement was itself checked (`checked`)."""
    o = finding.outcome
    outcome = Outcome(o.method, o.engine, o.domain, o.holds, counterexample=o.counterexample, condition=condition,
                      condition_holds=checked.outcome.holds if not o.holds else None)
    return Finding(f"{finding.text} (under {condition}: {checked.text})", outcome if not o.holds else o)


def on_grid(family: str, statements: dict, values) -> Finding:
    """Every Statement of `statements` (T -> Statement) checked exactly at every assignment of its variables from
    `values` (a Search over a named finite family; each formula is unfolded once, then evaluated exactly)."""
    formulas = {t: (s.variables, unfold(sp.Implies(sp.And(*s.hypotheses), s.conclusion))) for t, s in statements.items()}
    cases = tuple((t, point) for t, (names, _) in formulas.items() for point in itertools.product(values, repeat=len(names)))

    def holds(big_t, point) -> bool:
        names, formula = formulas[big_t]
        return bool(evaluate_exact(formula, dict(zip(names, point))))

    def describe(big_t, point) -> str:
        names, _ = formulas[big_t]
        return f"T = {big_t}: " + ", ".join(f"{plain_formula(k)} = {v}" for k, v in zip(names, point))

    first = next(iter(statements.values()))
    return Finding(f"{family}: {plain(first)}", exhaustive(Search(family, cases, holds, describe)))

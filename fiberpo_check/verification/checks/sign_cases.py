"""Exact case analysis for piecewise-linear identities: min/max resolved by the sign of a difference, per region.

A region is a positive parametrisation of a variable's case (e.g. r < 1 − ε as r = (1 − ε)/(1 + p), p > 0), so inside
a region every min/max is decided by SymPy from the signs of positive symbols; an undecided comparison is reported,
never guessed.
"""

from __future__ import annotations

import sympy as sp


class Undecided(ValueError):
    """SymPy could not sign a difference inside a region (the case analysis is incomplete there)."""


def compare(x: sp.Expr, y: sp.Expr) -> int:
    """+1 when x ≥ y, −1 when x ≤ y, on the whole region the symbols' assumptions describe."""
    difference = sp.factor(sp.together(x - y))
    if difference.is_nonnegative:
        return 1
    if difference.is_nonpositive:
        return -1
    raise Undecided(f"cannot sign {x} − {y}")


def resolve(expr: sp.Expr) -> sp.Expr:
    """`expr` with every Min/Max (innermost first) replaced by the argument it selects on the region."""
    if not expr.args:
        return expr
    expr = expr.func(*(resolve(arg) for arg in expr.args))
    if isinstance(expr, (sp.Min, sp.Max)):
        chosen = expr.args[0]
        for other in expr.args[1:]:
            if (compare(chosen, other) > 0) == isinstance(expr, sp.Min):
                chosen = other
        return chosen
    return expr


def equal_on_regions(lhs, rhs, regions: dict[str, dict]) -> dict[str, sp.Expr]:
    """lhs − rhs after resolving min/max, per region (a dict of substitutions); {} when every difference is 0."""
    failures = {}
    for name, substitution in regions.items():
        difference = sp.simplify(resolve(lhs.subs(substitution)) - resolve(rhs.subs(substitution)))
        if difference != 0:
            failures[name] = difference
    return failures

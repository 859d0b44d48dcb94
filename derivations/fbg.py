"""Fiber Bundle Gating: reflecting condition, zero residual pushforward, first-order agreement (Def 4.3, Thm 4.5)."""

from __future__ import annotations

from typing import Callable

import sympy as sp

from ._core import Derivation, Step

TITLE = "Fiber Bundle Gating"
LENGTHS = (2, 3)  # a bundle over two trajectories with T = 2 and T = 3 tokens (one sign channel; channels are disjoint)


def pushforward(fibers: list[int]) -> sp.Matrix:
    """π_E*: sums a density over each fiber (rows: base points, columns: total-space points)."""
    cols = sum(fibers)
    m = sp.zeros(len(fibers), cols)
    start = 0
    for b, size in enumerate(fibers):
        for i in range(start, start + size):
            m[b, i] = 1
        start += size
    return m


def kernel(fibers: list[int], weight: Callable[[int, int], sp.Expr]) -> sp.Matrix:
    """K: reflects a base density to the total space with weight(b, size) on each point of fiber b."""
    return pushforward(fibers).T * sp.diag(*[weight(b, s) for b, s in enumerate(fibers)])


def paper_kernel(b: int, size: int) -> sp.Expr:
    """K(i | (τ, l)) = 1/T_τ, the uniform measure on the trajectory (App. E.5.4)."""
    return sp.Rational(1, size)


def check_fbg1(weight: Callable[[int, int], sp.Expr] = paper_kernel) -> Derivation:
    """FBG-1: π_E* ∘ K = id_B and π_E*(σ − K π_E* σ) = 0 for the FiberPO bundle."""
    d = Derivation("FBG-1", "The kernel K(i|(τ,l)) = 1/T_τ is reflecting, π_E* ∘ K = id_B, so the residual σ − K(π_E*σ) "
                   "pushes forward to zero.", "Def 4.3, App. E.5.4")
    fibers = list(LENGTHS)
    p, k = pushforward(fibers), kernel(fibers, weight)
    d.add(Step("π_E* K = I (trajectories of length 2 and 3)", p * k == sp.eye(len(fibers)),
               latex=rf"\pi_{{E*}}K = {sp.latex(p * k)}"))
    sigma = sp.Matrix(sp.symbols(f"sigma0:{sum(fibers)}", real=True))
    residual = p * (sigma - k * p * sigma)
    d.add(Step("π_E*(σ − K π_E* σ) = 0 for a symbolic density σ", sp.simplify(residual) == sp.zeros(len(fibers), 1)))
    d.summary = "matrix identities with a symbolic density."
    return d


def jacobian_of_gate(k: sp.Matrix, p: sp.Matrix, base_slope: sp.Expr, fiber_slope: sp.Expr) -> sp.Matrix:
    """dG = K diag(g_Base') π_E* + diag(g_Fiber')(I − K π_E*), the chain rule applied to eq 4."""
    n_base, n_total = p.shape
    return k * (base_slope * sp.eye(n_base)) * p + (fiber_slope * sp.eye(n_total)) * (sp.eye(n_total) - k * p)


def check_fbg2(base_slope: sp.Expr = sp.Integer(1), fiber_slope: sp.Expr = sp.Integer(1)) -> Derivation:
    """FBG-2: identity gates at the on-policy density ⇒ G(F(1)) = F(1) and dG = I (Thm 4.5)."""
    d = Derivation("FBG-2", "If the atomic gates are the identity with unit slope at the on-policy density, the FBG "
                   "objective agrees with J to first order at θ_old.", "Thm 4.5, App. E.4")
    fibers = list(LENGTHS)
    p = pushforward(fibers)
    k = sp.Matrix(sum(fibers), len(fibers), lambda i, j: sp.Symbol(f"k_{i}{j}"))  # any kernel, reflecting or not
    dg = jacobian_of_gate(k, p, base_slope, fiber_slope)
    d.add(Step("dG = K π_E* + (I − K π_E*) = I for unit-slope gates", sp.simplify(dg - sp.eye(sum(fibers))) == sp.zeros(*dg.shape),
               latex=r"dG = K\,\pi_{E*} + (I - K\pi_{E*}) = I"))
    sigma = sp.Matrix(sp.symbols(f"s0:{sum(fibers)}", real=True))
    value = k * (p * sigma) + (sigma - k * p * sigma)
    d.add(Step("G(σ) = σ for identity gates (value agreement)", sp.simplify(value - sigma) == sp.zeros(*sigma.shape)))
    d.add(Step("neither identity uses the reflecting condition: the symbolic K above is not reflecting",
               p * k != sp.eye(len(fibers)), role="support"))
    ell, big_t = sp.symbols("ell T", positive=True)
    h = sp.symbols("h", real=True)
    recovered = [sp.exp(big_t * (sp.Max(s * ell, 0) / big_t - sp.Max(-s * ell, 0) / big_t)) for s in (1, -1)]
    d.add(Step("R ∘ F = id for F(r)_(i;l) = max(l log r, 0)/T, R(σ)_i = exp(T(σ_(i;+) − σ_(i;−))) (both signs of log r)",
               sp.simplify(recovered[0] - sp.exp(ell)) == 0 and sp.simplify(recovered[1] - sp.exp(-ell)) == 0,
               role="support"))
    d.add(Step("F has a kink at r = 1 (max(ℓ, 0)), so the chain rule of App. E.4 needs F Lipschitz and G differentiable "
               "at F(1); both hold for FiberPO, whose G is the identity on a neighbourhood of F(1) (FPO-4)",
               sp.limit(sp.Max(h, 0) / h, h, 0, "+") == 1 and sp.limit(sp.Max(h, 0) / h, h, 0, "-") == 0,
               role="support"))
    d.summary = "dG = I symbolically for any kernel; first-order agreement does not need π_E*∘K = id."
    return d


CHECKS = (check_fbg1, check_fbg2)

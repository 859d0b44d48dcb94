"""Fiber Bundle Gating: the reflecting condition, the zero residual pushforward, and first-order agreement
(Def 4.3, Thm 4.5, App. E.4)."""

from __future__ import annotations

import sympy as sp

from .formula import Family, Part, Statement, index, sequence, var, variables
from .registry import derivation

TITLE = "Fiber Bundle Gating"


def paper_kernel(big_t: int):
    """K(i | (τ, l)) = 1/T_τ, the uniform measure on the trajectory's fiber (App. E.5.4)."""
    return sp.Integer(1) / big_t


def reflecting(weight):
    """One fiber of T tokens: π_E* ∘ K = id, i.e. Σ_i K(i | b) = 1 (Def 4.3, item 3)."""

    def build(big_t: int) -> Statement:
        return Statement(sp.Eq(sp.Add(*(weight(big_t) for _ in range(big_t)), evaluate=False), 1, evaluate=False))

    return build


def reflecting_symbolic(weight) -> Statement:
    """The same as one sum over a symbolic number T of fiber points: Σ_{i=1}^T K(i | b) = 1."""
    big_t, i = var("T", "positive integer"), index()
    return Statement(sp.Eq(sp.Sum(weight(big_t), (i, 1, big_t)), 1), engines=("sympy",))


def zero_residual_symbolic(weight) -> Statement:
    """The same as sums over a symbolic T: Σ_i (σ_i − K Σ_j σ_j) = 0."""
    big_t, i, j, sigma = var("T", "positive integer"), index("i"), index("j"), sequence("sigma")
    return Statement(sp.Eq(sp.Sum(sigma[i] - weight(big_t) * sp.Sum(sigma[j], (j, 1, big_t)), (i, 1, big_t)), 0),
                     engines=("sympy",))


SYMBOLIC_T = "SymPy on sums over a symbolic number T of fiber points (Sum, σ an indexed sequence), so every T at once"


def zero_residual(weight):
    """One fiber of T tokens and any density σ on it: π_E*(σ − K π_E* σ) = 0 (Def 4.3, item 3)."""

    def build(big_t: int) -> Statement:
        sigma = variables("sigma", big_t)
        total = sum(sigma)
        return Statement(sp.Eq(sum(s - weight(big_t) * total for s in sigma), 0, evaluate=False))

    return build


@derivation("FBG-1", controls={"kernel 1/(T + 1)": {"weight": lambda big_t: sp.Integer(1) / (big_t + 1)}})
def check_fbg1(weight=paper_kernel) -> list[Part]:
    """FBG-1: the FiberPO kernel is reflecting and the residual pushes forward to zero, every fiber size T."""
    return [
        Part("FBG-1/reflecting", "p. 8, Def 4.3 (3); p. 47, App. E.5.4 (K = 1/T_τ)",
             Family(reflecting(weight), t_max=16, symbolic=reflecting_symbolic(weight), symbolic_domain=SYMBOLIC_T)),
        Part("FBG-1/zero-residual", "p. 8, Def 4.3 (3)",
             Family(zero_residual(weight), t_max=8, symbolic=zero_residual_symbolic(weight),
                    symbolic_domain=SYMBOLIC_T)),
    ]


def gate_identity(base_slope, fiber_slope, slope_stated: bool):
    """One fiber of T points, any kernel k (not necessarily reflecting), base gate with value/slope (β₀, β),
    fiber gate with value/slope (φ₀, φ) at F(1): the identity conditions of Thm 4.5 ⇒ G(σ) = σ and
    dG = K diag(β) π_E* + diag(φ)(I − K π_E*) = I (App. E.4)."""

    def build(big_t: int) -> Statement:
        k, sigma = variables("k", big_t), variables("sigma", big_t)
        beta = var("beta") if not slope_stated else base_slope
        total = sum(sigma)
        value = [ki * total + (s - ki * total) for ki, s in zip(k, sigma)]  # identity gates on base and residual
        jac = [[ki * beta + fiber_slope * ((1 if i == j else 0) - ki) for j in range(big_t)] for i, ki in enumerate(k)]
        conclusion = sp.And(*(sp.Eq(v, s, evaluate=False) for v, s in zip(value, sigma)),
                            *(sp.Eq(jac[i][j], 1 if i == j else 0, evaluate=False) for i in range(big_t)
                              for j in range(big_t)))
        return Statement(conclusion)

    return build


def gate_identity_entry(base_slope, fiber_slope, slope_stated: bool) -> Statement:
    """The per-point lemma: point i of a fiber of any size, its kernel weight k_i, the fiber total S = Σ_j σ_j:
    k_i S + (σ_i − k_i S) = σ_i, and the Jacobian entries k_i β + φ(δ_ij − k_i) are δ_ij (i = j and i ≠ j)."""
    k, sigma, total = var("k_i"), var("sigma_i"), var("S")
    beta = var("beta") if not slope_stated else base_slope
    return Statement(sp.And(sp.Eq(k * total + (sigma - k * total), sigma, evaluate=False),
                            *(sp.Eq(k * beta + fiber_slope * (same - k), same, evaluate=False) for same in (1, 0))))


def surrogate_gradient(weights) -> Statement:
    """∇_θ of the expected surrogate E_τ[Σ_t c_τ r_t Â_t] at θ_old against ∇_θ J, for the two-trajectory process:
    at s₀ 'stop' (prob 1 − p, T = 1, return R₁) or 'go' (prob p, then one forced token, T = 2, return R₂), p = σ(θ);
    exact advantages Â = Q − V (Â = 0 at the forced token), scores ∂_θ log π = −p ('stop'), 1 − p ('go')."""
    p, r1, r2 = var("p", "positive"), var("R_1"), var("R_2")
    c1, c2 = weights(1), weights(2)
    value = (1 - p) * r1 + p * r2
    surrogate = (1 - p) * c1 * (-p) * (r1 - value) + p * c2 * (1 - p) * (r2 - value)
    return Statement(sp.Eq(surrogate, p * (1 - p) * (r2 - r1)), [p < 1])


def value_gradient() -> Statement:
    """∂_θ J = p(1 − p)(R₂ − R₁) for J = (1 − p)R₁ + pR₂, p = 1/(1 + e^(−θ)), and the scores used above."""
    theta, r1, r2 = var("theta"), var("R_1"), var("R_2")
    p = 1 / (1 + sp.exp(-theta))
    return Statement(sp.And(sp.Eq(sp.diff((1 - p) * r1 + p * r2, theta), p * (1 - p) * (r2 - r1)),
                            sp.Eq(sp.diff(sp.log(p), theta), 1 - p), sp.Eq(sp.diff(sp.log(1 - p), theta), -p)))


def paper_weights(big_t: int):
    """μ = 1/T_τ per token (eq 5)."""
    return sp.Rational(1, big_t)


@derivation("FBG-2", controls={"base gate slope 2": {"base_slope": 2},
                               "unit base slope not stated, unit weights": {"slope_stated": False,
                                                                            "weights": lambda big_t: 1}})
def check_fbg2(base_slope=1, fiber_slope=1, slope_stated: bool = True, weights=paper_weights) -> list[Part]:
    """FBG-2 (Thm 4.5): what App. E.4 proves (the gate is the identity to first order at F(1), for any kernel), and the
    theorem's conclusion about the true objective with eq 5's 1/T_τ weights (and with weight 1 per token)."""
    return [
        Part("FBG-2/gate-identity", "p. 44–45, App. E.4 (G(F(1)) = F(1), dG = I)",
             Family(gate_identity(base_slope, fiber_slope, slope_stated), t_max=4, shown=2,
                    symbolic=gate_identity_entry(base_slope, fiber_slope, slope_stated),
                    symbolic_domain="per-point lemma: a point's value and Jacobian row depend on the fiber only "
                                    "through its own kernel weight k_i and the fiber total S = Σσ, free, so every "
                                    "fiber size T at once"),
             condition=lambda big_t: [sp.Eq(var("beta"), base_slope)]),
        Part("FBG-2/true-gradient", "p. 8, Thm 4.5 (∇Ĵ = ∇J at θ_old, Ĵ of eq 5 with μ = 1/T_τ)",
             surrogate_gradient(weights), support=[value_gradient()]),
        Part("FBG-2/unit-weights", "p. 8, Thm 4.5 read with weight 1 per token in eq 5",
             Family(lambda _: surrogate_gradient(lambda big_t: 1), t_max=1, shown=1, index="process",
                    instances="one process: stop (T = 1) or go on for one forced token (T = 2)"), role="remark"),
    ]

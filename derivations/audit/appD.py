"""App. D APC-Obj ≡ sample-based TV-TRPO (pp. 33–41): eqs 65–76, Theorem D.3, Lemmas D.2, D.6, D.9, D.11, D.12."""

from __future__ import annotations

import itertools
from fractions import Fraction

import sympy as sp
import z3

from fiberpo_check.verification.verdicts import Outcome

from ..exact import frac_clip
from ..formula import Family, Search, Statement, clip, var, variables
from ._base import Finding, agree, check, proved, row, typo, under_condition

ROWS = [
    row("D", 33, "p33-defs", "X, n_(s,a), T, T_s, X̄ with t < T_τ, Δ := r − 1 (D.1)", "definition",
        uses=("p. 4", "App. A.2", "Remark 4.1"), unchecked="notation (restated from p. 4; see Remark 4.1's row)"),
    row("D", 33, "eq65", "(1/T_s) Σ_a n r = 1 ⟺ Σ_a n Δ = 0", "assertion", claims=("APC-6",)),
    row("D", 33, "p33-a1", "both sample identities (65), (66) are assumed to hold exactly", "assertion",
        claims=("APC-6",), link="APC-6"),
    row("D", 33, "eq66", "advantage centering (1/T_s) Σ_a n Â = 0", "definition", claims=("APC-3",),
        uses=("Lemma D.6", "Thm D.10"), link="APC-3"),
    row("D", 33, "p33-a2", "E_τ[Σ γ^t X] = (1/(1−γ)) E_(ρ̄(γ)·π)[X]; Γ(s)/Γ ∼ ρ̄(s) as T → ∞", "definition",
        unchecked="holds by the definition of ρ̄ for γ < 1; the second part is an unquantified consistency remark"),
    row("D", 34, "eq67", "Def D.1: Ĵ^TV-TRPO = Ĵ⁽¹⁾ − 4γ‖Â‖/(1−γ)² (max_s D̂_TV(s))²", "definition",
        claims=("TRPO-4",), uses=("eq 39", "eq 56"), link="TRPO-4"),
    row("D", 34, "eq68", "j(Δ) differs from Ĵ^TV-TRPO only by an additive constant independent of Δ", "assertion",
        claims=("TRPO-2",)),
    row("D", 35, "eq69", "Δ̂*_s := arg max of Σ_a n Δ Â subject to D̂_TV(s, Δ) = 1 and Σ_a n Δ = 0", "definition",
        claims=("APC-6",), uses=("eq 70", "eq 71", "Thm D.3", "Thm D.10")),
    row("D", 35, "eq70", "the maximizer at radius c is c Δ̂*_s, with value c M(s), c ≥ 0", "assertion",
        claims=("TRPO-2",)),
    row("D", 35, "eq71", "with D̂_TV(s, Δ) ≤ c the maximum is attained at c* = c", "assertion",
        claims=("TRPO-2",), link="TRPO-2"),
    row("D", 35, "p35-M", "M := (1/Γ) Σ_s (Γ(s)/T_s) M(s)", "definition", claims=("TRPO-2",),
        uses=("Thm D.3", "eq 72", "Lemma D.2"), link="TRPO-2"),
    row("D", 35, "Lemma D.2", "M ≤ ‖Â‖∞", "assertion", claims=("TRPO-3",), link="TRPO-3"),
    row("D", 35, "Theorem D.3", "Δ* = t* Δ̂*, t* = (1−γ) M/(8γ‖Â‖∞)", "assertion", claims=("TRPO-2",),
        link="TRPO-2"),
    row("D", 36, "p36-a1", "proof of D.3: j(Δ**) = Γ(s)/((1−γ)Γ) · (t − t(s))/(2T_s) · M(s) + j(Δ*)", "proof-step",
        claims=("TRPO-2",)),
    row("D", 36, "p36-a2", "j(Δ*) = tM/(1−γ) − 4γ‖Â‖/(1−γ)² t² is a concave quadratic with maximum at t*",
        "proof-step", claims=("TRPO-2",), link="TRPO-2"),
    row("D", 36, "eq72", "Def D.4: discounted APC-Obj with δ^(APC) := (1−γ) M/(8γ‖Â‖∞)", "definition",
        claims=("APC-1",), uses=("eq 3", "eq 57", "Thm D.10"), link="APC-1"),
    row("D", 37, "eq73", "Def D.5: j^(APC)(Δ, δ) with clip(Δ, T_s δ − Σ(n − δ_aa′)|Δ|) and (1 − C(Δ)_s)", "definition",
        claims=("APC-3",), uses=("eq 74", "eq 75", "Lemma D.6"), link="APC-3"),
    row("D", 37, "eq74", "C(Δ)_s vanishes whenever D̂_TV(s, Δ) < δ (probability constraint (65))", "assertion",
        claims=("APC-3",)),
    row("D", 37, "Lemma D.6", "j^(APC)(Δ(θ), δ^(APC)) = Ĵ^APC(θ|θold)", "assertion", claims=("APC-3",),
        link="APC-3"),
    row("D", 37, "Remark D.7", "the surrogated form differs from D.4 by the constant (1/((1−γ)Γ)) Σ_s Γ(s) C(Δ)_s/T_s "
        "Σ_a n Δ, which evaluates to 0", "assertion"),
    row("D", 37, "Definition D.8", "G(u)_(s,a) := clip(u, T_s(δ − D̂_TV(s, u)) + |u|), proj(G(u)) := G(u) − C(G(u))_s",
        "definition", claims=("APC-4",), uses=("proof of Lemma D.9 (v̄ = C(u)_s)", "eq 75")),
    row("D", 38, "Lemma D.9", "retraction: D̂_TV(s, proj G(u)) ≤ δ, strictly when D̂_TV(s, u) > δ", "assertion",
        claims=("APC-4",), link="APC-4"),
    row("D", 38, "p38-a1", "when D̂_TV(s, u) > δ the clip reduces u_a to v_a by exactly T_s(D̂_TV − δ) for v_a > 0",
        "proof-step", claims=("APC-4",)),
    row("D", 38, "p38-a2", "T_s D̂(u) − N(T_s(D̂ − δ) + v̄) = T_s δ − T_s(N − 1)(D̂ − δ) − N v̄", "proof-step",
        claims=("APC-4",)),
    row("D", 39, "eq75", "j^(APC) = (1/((1−γ)Γ)) Σ_s Γ(s)/T_s Σ_a n (proj(G(Δ)) Â + Â)", "proof-step",
        claims=("APC-6",)),
    row("D", 39, "p39-a1", "clip(Δ, T_s δ − Σ(n − δ_aa′)|Δ|) = clip(Δ, T_s(δ − D̂_TV) + |Δ|)", "proof-step",
        claims=("APC-2",), link="APC-2"),
    row("D", 39, "Theorem D.10", "APC-Obj and sample-based TV-TRPO produce the same update", "assertion",
        claims=("APC-6",), link="APC-6"),
    row("D", 40, "p40-a1", "proof of D.10: j(Δ*) = j(Δ**) − Γ(s)M(s)/((1−γ)Γ T_s)(δ − D̂(s, proj G(Δ*))) < j(Δ**), "
        "so every maximizer has D̂_TV(s, Δ*) ≤ δ", "proof-step", claims=("APC-6",)),
    row("D", 40, "p40-a2", "δ^(APC) = (1−γ) M/(8γ‖Â‖∞) = t*, the TV-TRPO step", "proof-step", claims=("APC-1",),
        link="APC-1"),
    row("D", 40, "eq76", "δ(TRPO) := (1−γ)/(8γ)", "definition", claims=("TRPO-1",),
        uses=("Lemma B.2", "Lemma D.11", "Lemma D.12"), link="TRPO-1"),
    row("D", 40, "Lemma D.11", "δ^(APC) ≤ δ(TRPO)", "assertion", claims=("TRPO-3",), link="TRPO-3"),
    row("D", 41, "Lemma D.12", "proof: D_TV^max(π_old ‖ π_new) = t* ≤ δ(TRPO)", "proof-step",
        claims=("TRPO-4",)),
]


# ---------------------------------------------------------------- one state of APC-Obj, exactly (Defs C.1, D.5, D.8)


def tv(u, counts) -> Fraction:
    """D̂_TV(s, u) = (1/T_s) Σ_a n_a |u_a| (eq 39)."""
    return sum(n * abs(x) for n, x in zip(counts, u)) / sum(counts)


def gate(u, counts, radius) -> list[Fraction]:
    """G(u)_a = clip(u_a, T_s(δ − D̂_TV(s, u)) + |u_a|) (Def D.8)."""
    t_s, d = sum(counts), tv(u, counts)
    return [frac_clip(x, t_s * (radius - d) + abs(x)) for x in u]


def correction(u, counts, radius) -> Fraction:
    """C(u)_s = (1/T_s) Σ_a n_a G(u)_a (eq 74)."""
    return sum(n * g for n, g in zip(counts, gate(u, counts, radius))) / sum(counts)


def state_value(u, counts, adv, radius) -> Fraction:
    """Σ_a n_a (proj G(u)_a Â_a + Â_a), one state's term of eq 75 (γ = 1)."""
    c = correction(u, counts, radius)
    return sum(n * ((g - c) * a + a) for n, g, a in zip(counts, gate(u, counts, radius), adv))


def centred_vectors(counts, values):
    """Every u with entries from `values` and Σ n u = 0 (the probability constraint (65))."""
    return [u for u in itertools.product(values, repeat=len(counts)) if sum(n * x for n, x in zip(counts, u)) == 0]


GRID = tuple(Fraction(k, 2) for k in range(-4, 5))
FINE = tuple(Fraction(k, 4) for k in range(-8, 9))
COUNTS = ((1, 1), (1, 2), (1, 1, 1), (2, 1, 1))
RADII = (Fraction(1, 4), Fraction(1, 2), Fraction(1))


@check("eq65", controls={"weights 1/(T_s + 1)": {"offset": 1}})
def probability_constraint_forms(offset: int = 0) -> list[Finding]:
    """(1/T_s) Σ_a n_a r_a = 1 ⟺ Σ_a n_a Δ_a = 0 with r = 1 + Δ, for 1–3 sampled actions of counts n (eq 65)."""

    def build(k: int) -> Statement:
        n, d = variables("n", k, "positive"), variables("Delta", k)
        t_s = sp.Add(*n)
        mean_ratio = sp.Add(*[a * (1 + b) for a, b in zip(n, d)]) / (t_s + offset)
        centred = sp.Eq(sp.Add(*[a * b for a, b in zip(n, d)]), 0)
        return Statement(sp.And(sp.Implies(sp.Eq(mean_ratio, 1), centred), sp.Implies(centred, sp.Eq(mean_ratio, 1))))

    return [proved(Family(build, t_max=3))]


@check("eq68", controls={"constant without the counts": {"weighted": False}})
def reduced_objective_constant(weighted: bool = True) -> list[Finding]:
    """Σ_a n r Â − Σ_a n Δ Â does not depend on Δ: it is Σ_a n Â (r = 1 + Δ; eq 67 → eq 68), two actions."""
    n = variables("n", 2, "positive")
    d, adv = variables("Delta", 2), variables("A", 2)
    gap = sum(a * (1 + b) * c for a, b, c in zip(n, d, adv)) - sum(a * b * c for a, b, c in zip(n, d, adv))
    constant = sum((a if weighted else 1) * c for a, c in zip(n, adv))
    return [proved(Statement(sp.Eq(gap, constant)))]


@check("eq69", controls={"two sampled actions": {"actions": 2}})
def unit_sphere_feasible(actions: int = 1) -> list[Finding]:
    """(69) needs some Δ with Σ n Δ = 0 and (1/T_s) Σ n |Δ| = 1: z3 decides it for `actions` sampled actions, n = 1."""

    def feasible(k: int):
        d = [z3.Real(f"Delta_{i}") for i in range(k)]
        solver = z3.Solver()
        solver.add(z3.Sum(*d) == 0, z3.Sum(*[z3.If(x >= 0, x, -x) for x in d]) == k)
        return solver.check() == z3.sat

    holds = feasible(actions)
    return [Finding(f"the constraint set of (69) is nonempty with {actions} sampled action(s), counts 1",
                    Outcome("proof", "z3", f"|X_s| = {actions}, n = 1", holds,
                            counterexample="" if holds else "X_s = {a}, n = 1: Σ n Δ = 0 forces Δ = 0, so D̂_TV = 0 ≠ 1; "
                                                            "Δ̂* and M(s) are undefined (the LLM regime T_s = 1)",
                            condition="" if holds else "|X_s| ≥ 2 (two distinct sampled actions at s)",
                            condition_holds=None if holds else feasible(2)))]


@check("eq70", controls={"negative radii": {"radius": "real"}})
def tv_homogeneous(radius: str = "nonnegative") -> list[Finding]:
    """D̂_TV(s, cΔ) = c D̂_TV(s, Δ) and Σ n (cΔ) Â = c Σ n Δ Â for c ≥ 0 (eq 70's scaling), 1–3 actions."""
    c = var("c", radius)

    def build(k: int) -> Statement:
        n, d, adv = variables("n", k, "positive"), variables("Delta", k), variables("A", k)
        tv_c = sp.Add(*[a * sp.Abs(c * b) for a, b in zip(n, d)])
        tv_1 = sp.Add(*[a * sp.Abs(b) for a, b in zip(n, d)])
        value_c = sp.Add(*[a * c * b * e for a, b, e in zip(n, d, adv)])
        value_1 = sp.Add(*[a * b * e for a, b, e in zip(n, d, adv)])
        return Statement(sp.And(sp.Eq(tv_c, c * tv_1, evaluate=False), sp.Eq(value_c, c * value_1, evaluate=False)))

    return [proved(Family(build, t_max=3))]


@check("p36-a1", controls={"a third of the way": {"step": sp.Rational(1, 3)}})
def midpoint_gain(step=sp.Rational(1, 2)) -> list[Finding]:
    """Moving state s from t(s) to t(s) + step (t − t(s)) changes j by Γ(s)/((1−γ)Γ) (t − t(s))/(2 T_s) M(s)."""
    g_s, g, gamma, t, t_s_val, big_t, m = (var(n, "positive") for n in ("Gamma_s", "Gamma", "gamma", "t", "ts",
                                                                         "T_s", "M_s"))
    new = t_s_val + step * (t - t_s_val)
    gain = g_s / ((1 - gamma) * g * big_t) * (new * m - t_s_val * m)
    return [proved(Statement(sp.Eq(gain, g_s / ((1 - gamma) * g) * (t - t_s_val) / (2 * big_t) * m), [gamma < 1]))]


@check("eq74", controls={"without the probability constraint": {"centred": False}})
def correction_vanishes(centred: bool = True) -> list[Finding]:
    """D̂_TV(s, Δ) < δ ⇒ C(Δ)_s = 0 when Σ n Δ = 0, on every Δ ∈ {−2, −3/2, …, 2}^k, counts and δ below (eq 74)."""
    cases = tuple((counts, u, radius) for counts in COUNTS for radius in RADII
                  for u in (centred_vectors(counts, GRID) if centred else itertools.product(GRID, repeat=len(counts)))
                  if tv(u, counts) < radius)
    return [proved(Search("Δ ∈ {k/2 : −4 ≤ k ≤ 4}^k, counts (1,1), (1,2), (1,1,1), (2,1,1), δ ∈ {1/4, 1/2, 1}",
                          cases, lambda counts, u, radius: correction(u, counts, radius) == 0))]


@check("Remark D.7", controls={"as written, with advantages centred": {"centred_advantages": True}})
def grouping_constant(centred_advantages: bool = False) -> list[Finding]:
    """(73) − (72) on one state (γ = 1) against −Σ_a n C(Δ) Δ (Remark D.7 as written) and −Σ_a n C(Δ) Â (Lemma D.6),
    on every centred Δ of the grid with counts (1, 2), δ = 1/4, Â = (1, 0) (or the centred (2, −1))."""
    counts, radius = (1, 2), Fraction(1, 4)
    adv = (Fraction(2), Fraction(-1)) if centred_advantages else (Fraction(1), Fraction(0))
    cases = tuple((u,) for u in centred_vectors(counts, FINE))

    def difference(u):
        g, c = gate(u, counts, radius), correction(u, counts, radius)
        surrogated = sum(n * (x * a + (1 - c) * a) for n, x, a in zip(counts, g, adv))
        original = sum(n * (x * a + a) for n, x, a in zip(counts, g, adv))
        return surrogated - original, c

    def written(u):
        gap, c = difference(u)
        return gap == -c * sum(n * x for n, x in zip(counts, u))

    def intended(u):
        gap, c = difference(u)
        return gap == -c * sum(n * a for n, a in zip(counts, adv))

    family = f"centred Δ ∈ {{k/4}}², counts (1, 2), δ = 1/4, Â = {tuple(map(str, adv))}"
    def describe(u):
        gap, c = difference(u)
        return f"(73) − (72) = {gap}, the written term −C Σ n Δ = {-c * sum(n * x for n, x in zip(counts, u))}"

    as_written = proved(Search(family + " (written: Σ n Δ)", cases, written, describe))
    if as_written.outcome.holds:
        return [as_written]
    return [typo(as_written, proved(Search(family + " (intended: Σ n Â)", cases, intended)))]


@check("Definition D.8", controls={"C(G(u)) read as the mean of u": {"inner_gate": False}})
def centred_projection_consistent(inner_gate: bool = True) -> list[Finding]:
    """Def D.8's C(G(u))_s (G applied twice) equals the proof's v̄ = C(u)_s = mean of G(u), every centred u of the grid."""
    cases = tuple((counts, u, radius) for counts in COUNTS for radius in RADII for u in centred_vectors(counts, GRID))

    def same(counts, u, radius) -> bool:
        g = gate(u, counts, radius)
        twice = correction(g, counts, radius) if inner_gate else sum(n * x for n, x in zip(counts, u)) / sum(counts)
        return twice == correction(u, counts, radius)

    return [proved(Search("centred u ∈ {k/2 : −4 ≤ k ≤ 4}^k, counts (1,1), (1,2), (1,1,1), (2,1,1), "
                          "δ ∈ {1/4, 1/2, 1}", cases, same))]


@check("p38-a1", controls={"reduced by T_s(D̂ − δ)/2": {"share": sp.Rational(1, 2)}})
def clip_reduction(share=1) -> list[Finding]:
    """D̂ > δ and v = clip(u, T_s(δ − D̂) + |u|) > 0 ⇒ u = v + share · T_s(D̂ − δ), T_s ≤ 4 (proof of Lemma D.9)."""
    u, d, radius = var("u"), var("D", "nonnegative"), var("delta", "positive")

    def build(t_s: int) -> Statement:
        v = clip(u, t_s * (radius - d) + sp.Abs(u))
        return Statement(sp.Eq(u, v + share * t_s * (d - radius)), [d > radius, v > 0])

    return [proved(Family(build, t_max=4))]


@check("p38-a2", controls={"N + 1 for N − 1": {"shift": 1}})
def retraction_algebra(shift: int = -1) -> list[Finding]:
    """T_s D − N(T_s(D − δ) + v̄) = T_s δ − T_s(N + shift)(D − δ) − N v̄ (proof of Lemma D.9)."""
    t_s, d, radius, big_n, v = var("T_s", "positive"), var("D"), var("delta"), var("N"), var("vbar")
    lhs = t_s * d - big_n * (t_s * (d - radius) + v)
    return [proved(Statement(sp.Eq(lhs, t_s * radius - t_s * (big_n + shift) * (d - radius) - big_n * v)))]


@check("eq75", controls={"dropping the correction": {"with_correction": False}})
def collect_correction(with_correction: bool = True) -> list[Finding]:
    """Σ_a n (g_a Â_a + (1 − C)Â_a) = Σ_a n ((g_a − C) Â_a + Â_a) (eq 75's second equality), two actions."""
    n, g, adv = variables("n", 2, "positive"), variables("g", 2), variables("A", 2)
    c = var("C")
    lhs = sp.Add(*[a * (x * e + (1 - c) * e) for a, x, e in zip(n, g, adv)])
    rhs = sp.Add(*[a * ((x - (c if with_correction else 0)) * e + e) for a, x, e in zip(n, g, adv)])
    return [proved(Statement(sp.Eq(lhs, rhs)))]


@check("p40-a1", controls={"the unstated condition alone": {"only_condition": True}})
def maximizer_inside_region(only_condition: bool = False) -> list[Finding]:
    """Two states, counts (1, 1), δ = 1/4; s₂ has Â = (0, 0), so M(s₂) = 0: moving s₂ from Δ = 0 to any centred Δ of the
    grid outside the trust region changes j^(APC) by exactly 0, so the strict '<' of the proof of D.10 fails and
    maximizers with D̂_TV(s₂, Δ*) > δ exist. With Â(s₂) = (1, −1) (M(s₂) > 0) every such move loses value."""
    counts, radius = (1, 1), Fraction(1, 4)
    outside = tuple((u,) for u in centred_vectors(counts, FINE) if tv(u, counts) > radius)

    def search(adv) -> Finding:
        best = state_value((radius, -radius), counts, adv, radius)
        return proved(Search(f"s₂: every centred Δ ∈ {{k/4}}² with D̂_TV(s₂, Δ) > δ = 1/4, Â(s₂) = "
                             f"{tuple(map(str, adv))}: j(Δ) < j(δ Δ̂*)", outside,
                             lambda u: state_value(u, counts, adv, radius) < best,
                             lambda u: f"j(Δ) − j(δ Δ̂*) = {state_value(u, counts, adv, radius) - best}"))

    positive = search((Fraction(1), Fraction(-1)))
    if only_condition:
        return [positive]
    return [under_condition(search((Fraction(0), Fraction(0))), "M(s) > 0 at every state (without it only the "
                            "minimum-L2 tie-break of Def D.4 keeps the chosen maximizer inside)", positive)]


@check("Lemma D.12", controls={"with the ½ of eq 34": {"half": sp.Rational(1, 2)}})
def update_tv_factor(half=1) -> list[Finding]:
    """Two actions with n/T_s = π_old = (1/2, 1/2) and Δ* = t*(1, −1): D_TV by eq 34/37 is t*/2, D̂_TV (eq 39) is t*."""
    t = var("t", "positive")
    old, delta = (sp.Rational(1, 2),) * 2, (t, -t)
    tv_true = sp.Rational(1, 2) * sum(p * sp.Abs(x) for p, x in zip(old, delta))
    return [agree("D_TV^max(π_old‖π_new) by eq 34", tv_true, "Lemma D.12: t*", half * 2 * tv_true,
                  "one state, π_old = (1/2, 1/2) sampled once each, Δ* = t*(1, −1)")]

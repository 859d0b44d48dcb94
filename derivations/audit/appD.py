"""App. D APC-Obj ≡ sample-based TV-TRPO (pp. 33–41): eqs 65–76, Theorem D.3, Lemmas D.2, D.6, D.9, D.11, D.12."""

from __future__ import annotations

import itertools
from fractions import Fraction

import sympy as sp
import z3

from fiberpo_check.engine.exact_gates import frac_clip
from fiberpo_check.vocabulary.verdicts import Outcome

from ..formula import Family, Search, Statement, clip, var, variables
from ._base import Finding, agree, check, proved, row, typo, under_condition

ROWS = [
    row("D", 33, "p33-defs", "X, n_(s,a), T, T_s, X̄ := {(s, a, τ, t) | (s, a) ∈ X, τ ∈ Tj, t < T_τ} with |X̄| = T "
        "and n_(s,a) = |{(τ, t) | (s, a, τ, t) ∈ X̄}|, Δ := r − 1 (D.1)", "definition",
        uses=("p. 4", "App. A.2", "Remark 4.1")),
    row("D", 33, "eq65", "(1/T_s) Σ_a n r = 1 ⟺ Σ_a n Δ = 0", "assertion", claims=("APC-6",)),
    row("D", 33, "p33-a1", "both sample identities (65), (66) are assumed to hold exactly", "assertion",
        claims=("APC-6",), unchecked="states the assumptions under which the theorem is proved"),
    row("D", 33, "eq66", "advantage centering (1/T_s) Σ_a n Â = 0", "definition", claims=("APC-3",),
        uses=("Lemma D.6", "Thm D.10"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("D", 33, "p33-a2", "E_τ[Σ γ^t X] = (1/(1−γ)) E_(ρ̄(γ)·π)[X]; Γ(s)/Γ ∼ ρ̄(s) as T → ∞", "definition",
        unchecked="holds by the definition of ρ̄ for γ < 1; the second part is an unquantified consistency remark"),
    row("D", 34, "eq67", "Def D.1: Ĵ^TV-TRPO = Ĵ⁽¹⁾ − 4γ‖Â‖/(1−γ)² (max_s D̂_TV(s))²", "definition",
        claims=("TRPO-4",), uses=("eq 39", "eq 56"), link="TRPO-4/eq39"),
    row("D", 34, "eq68", "j(Δ) differs from Ĵ^TV-TRPO only by an additive constant independent of Δ", "assertion",
        claims=("TRPO-2",)),
    row("D", 35, "eq69", "Δ̂*_s := arg max of Σ_a n Δ Â subject to D̂_TV(s, Δ) = 1 and Σ_a n Δ = 0", "definition",
        claims=("APC-6",), uses=("eq 70", "eq 71", "Thm D.3", "Thm D.10")),
    row("D", 35, "eq70", "the maximizer at radius c is c Δ̂*_s, with value c M(s), c ≥ 0", "assertion",
        claims=("TRPO-2",)),
    row("D", 35, "eq71", "with D̂_TV(s, Δ) ≤ c the maximum is attained at c* = c", "assertion",
        claims=("TRPO-2",), link="TRPO-2/equalised"),
    row("D", 35, "p35-M", "M := (1/Γ) Σ_s (Γ(s)/T_s) M(s)", "definition", claims=("TRPO-2",),
        uses=("Thm D.3", "eq 72", "Lemma D.2"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("D", 35, "Lemma D.2", "M ≤ ‖Â‖∞", "assertion", claims=("TRPO-3",), link="TRPO-3/D.2"),
    row("D", 35, "Theorem D.3", "Δ* = t* Δ̂*, t* = (1−γ) M/(8γ‖Â‖∞)", "assertion", claims=("TRPO-2",),
        link=("TRPO-2/maximizer", "TRPO-2/equalised")),
    row("D", 36, "p36-a1", "proof of D.3: j(Δ**) = Γ(s)/((1−γ)Γ) · (t − t(s))/(2T_s) · M(s) + j(Δ*)", "proof-step",
        claims=("TRPO-2",)),
    row("D", 36, "p36-a2", "j(Δ*) = tM/(1−γ) − 4γ‖Â‖/(1−γ)² t² is a concave quadratic with maximum at t*",
        "proof-step", claims=("TRPO-2",), link="TRPO-2/maximizer"),
    row("D", 36, "eq72", "Def D.4: discounted APC-Obj with δ^(APC) := (1−γ) M/(8γ‖Â‖∞)", "definition",
        claims=("APC-1",), uses=("eq 3", "eq 57", "Thm D.10"), link="APC-1/eq72-is-tstar"),
    row("D", 37, "eq73", "Def D.5: j^(APC)(Δ, δ) with clip(Δ, T_s δ − Σ(n − δ_aa′)|Δ|) and (1 − C(Δ)_s)", "definition",
        claims=("APC-3",), uses=("eq 74", "eq 75", "Lemma D.6"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("D", 37, "eq74", "C(Δ)_s vanishes whenever D̂_TV(s, Δ) < δ (probability constraint (65))", "assertion",
        claims=("APC-3",)),
    row("D", 37, "Lemma D.6", "j^(APC)(Δ(θ), δ^(APC)) = Ĵ^APC(θ|θold)", "assertion", claims=("APC-3",),
        link="APC-3/D.6"),
    row("D", 37, "Remark D.7", "the surrogated form differs from D.4 by the constant (1/((1−γ)Γ)) Σ_s Γ(s) C(Δ)_s/T_s "
        "Σ_a n Δ, which evaluates to 0", "assertion"),
    row("D", 37, "Definition D.8", "G(u)_(s,a) := clip(u, T_s(δ − D̂_TV(s, u)) + |u|), proj(G(u)) := G(u) − C(G(u))_s",
        "definition", claims=("APC-4",), uses=("proof of Lemma D.9 (v̄ = C(u)_s)", "eq 75")),
    row("D", 38, "Lemma D.9", "retraction: D̂_TV(s, proj G(u)) ≤ δ, strictly when D̂_TV(s, u) > δ", "assertion",
        claims=("APC-4",), link=("APC-4/D.9-1", "APC-4/D.9-2")),
    row("D", 38, "p38-a1", "when D̂_TV(s, u) > δ the clip reduces u_a to v_a by exactly T_s(D̂_TV − δ) for v_a > 0",
        "proof-step", claims=("APC-4",)),
    row("D", 38, "p38-a2", "T_s D̂(u) − N(T_s(D̂ − δ) + v̄) = T_s δ − T_s(N − 1)(D̂ − δ) − N v̄", "proof-step",
        claims=("APC-4",)),
    row("D", 39, "eq75", "j^(APC) = (1/((1−γ)Γ)) Σ_s Γ(s)/T_s Σ_a n (proj(G(Δ)) Â + Â)", "proof-step",
        claims=("APC-6",)),
    row("D", 39, "p39-a1", "clip(Δ, T_s δ − Σ(n − δ_aa′)|Δ|) = clip(Δ, T_s(δ − D̂_TV) + |Δ|)", "proof-step",
        claims=("APC-2",), link="APC-2/clip-bound"),
    row("D", 39, "Theorem D.10", "APC-Obj and sample-based TV-TRPO produce the same update", "assertion",
        claims=("APC-6",), link="APC-6/thm-D10"),
    row("D", 40, "p40-a1", "proof of D.10: j(Δ*) = j(Δ**) − Γ(s)M(s)/((1−γ)Γ T_s)(δ − D̂(s, proj G(Δ*))) < j(Δ**), "
        "so every maximizer has D̂_TV(s, Δ*) ≤ δ", "proof-step", claims=("APC-6",)),
    row("D", 40, "p40-a2", "δ^(APC) = (1−γ) M/(8γ‖Â‖∞) = t*, the TV-TRPO step", "proof-step", claims=("APC-1",),
        link="APC-1/eq72-is-tstar"),
    row("D", 40, "eq76", "δ(TRPO) := (1−γ)/(8γ)", "definition", claims=("TRPO-1",),
        uses=("Lemma B.2", "Lemma D.11", "Lemma D.12"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("D", 40, "Lemma D.11", "δ^(APC) ≤ δ(TRPO)", "assertion", claims=("TRPO-3",), link="TRPO-3/D.11"),
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


def unit_maximizers(counts, adv) -> tuple[list[tuple], Fraction]:
    """The vertices of (69)'s feasible set {Σ n Δ = 0, D̂_TV(s, Δ) = 1} — Δ_a = T_s/(2 n_a), Δ_b = −T_s/(2 n_b) — that
    attain its maximum, and M(s) = T_s (max Â − min Â)/2 (a linear objective on that polytope peaks at a vertex)."""
    t_s, k = sum(counts), len(counts)
    vertices = [tuple(Fraction(t_s, 2 * counts[i]) if i == a else -Fraction(t_s, 2 * counts[i]) if i == b
                      else Fraction(0) for i in range(k)) for a in range(k) for b in range(k) if a != b]
    values = {v: sum(n * x * e for n, x, e in zip(counts, v, adv)) for v in vertices}
    best = max(values.values())
    return [v for v in vertices if values[v] == best], best


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


SAMPLE = {"tau_1": (("s0", "a0"), ("s1", "a1"))}  # one trajectory visiting (s0, a0) at t = 0, (s1, a1) at t = 1


@check("p33-defs", controls={"one one-token trajectory": {"trajectories": {"tau_1": (("s0", "a0"),)}},
                             "counts off by one": {"offset": 1}})
def augmented_token_set(trajectories=SAMPLE, offset: int = 0) -> list[Finding]:
    """p. 33's X̄ := {(s, a, τ, t) | (s, a) ∈ X, τ ∈ Tj, t ∈ {0, …, T_τ − 1}} against its own |X̄| = T and
    n_(s,a) = |{(τ, t) | (s, a, τ, t) ∈ X̄}|; intended, p. 6's X̄ := {(s_t(τ), a_t(τ), τ, t)}. T := Σ n_(s,a)."""
    visits = {(*pair, tau, t) for tau, steps in trajectories.items() for t, pair in enumerate(steps)}  # p. 6's X̄
    pairs = sorted({entry[:2] for entry in visits})  # X
    multiplicity = {pair: sum(1 for entry in visits if entry[:2] == pair) for pair in pairs}  # n_(s,a)
    tokens = sum(multiplicity.values()) + offset  # T := Σ n_(s,a)
    as_written = {(*pair, tau, t) for pair in pairs for tau, steps in trajectories.items() for t in range(len(steps))}
    first = pairs[0]
    where = "Tj = {" + ", ".join(f"{tau} = ({', '.join(f'({s}, {a})' for s, a in seq)})"
                                 for tau, seq in trajectories.items()) + "}"

    def counted(augmented):
        return sum(1 for entry in augmented if entry[:2] == first)

    findings = []
    for quantity, written_value, intended_value, target, name in (
            ("|X̄|", len(as_written), len(visits), tokens, "T"),
            (f"|{{(τ, t) | ({', '.join(first)}, τ, t) ∈ X̄}}|", counted(as_written), counted(visits),
             multiplicity[first] + offset, f"n_({', '.join(first)})")):
        written = agree(f"{quantity} (p. 33's set-builder)", written_value, name, target, where)
        findings.append(written if written.outcome.holds else
                        typo(written, agree(f"{quantity} (p. 6's {{(s_t(τ), a_t(τ), τ, t)}})", intended_value, name,
                                            target, where)))
    return findings


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


@check("p40-a1", controls={"a largest-norm tie-break": {"pick": max}, "the chain written with ≤": {"chain": "≤"}})
def maximizer_inside_region(pick=min, chain: str = "=") -> list[Finding]:
    """Two states, counts (1, 1), δ = 1/4: at s₂, among the maximizers of j^(APC) over every centred Δ ∈ {k/4}², the
    one Def D.4's tie-break picks (least L2 norm) has D̂_TV(s₂, Δ) ≤ δ, for Â(s₂) = (1, −1) (M(s₂) > 0, where the
    proof's strict '<' applies) and for Â(s₂) = (0, 0) (M(s₂) = 0, where every Δ ties and the tie-break decides)."""
    counts, radius = (1, 1), Fraction(1, 4)
    grid = tuple(centred_vectors(counts, FINE))

    def chosen(adv):
        values = {u: state_value(u, counts, adv, radius) for u in grid}
        best = max(values.values())
        return pick((u for u in grid if values[u] == best), key=lambda u: (sum(x * x for x in u), u))

    cases = (((Fraction(1), Fraction(-1)),), ((Fraction(0), Fraction(0)),))
    return [proved(Search("s₂ with Â(s₂) ∈ {(1, −1), (0, 0)}, every centred Δ ∈ {k/4}², δ = 1/4: the tie-broken "
                          "maximizer of j has D̂_TV(s₂, Δ) ≤ δ", cases,
                          lambda adv: tv(chosen(adv), counts) <= radius,
                          lambda adv: f"Â(s₂) = {tuple(map(str, adv))}: the tie-break picks Δ = "
                                      f"{tuple(map(str, chosen(adv)))} with D̂_TV = {tv(chosen(adv), counts)} > δ")),
            value_chain(chain)]


def value_chain(chain: str) -> Finding:
    """Proof of Thm D.10 (p. 40): j(Δ*) = j(Δ**) − Γ(s)/((1−γ)Γ) · M(s)/T_s · (δ − D̂_TV(s, proj G(Δ*))) as written
    (`chain` "="), or with "≤" (intended: eq 70 bounds Σ n proj G(Δ*) Â by D̂_TV(s, proj G(Δ*)) M(s)); one state,
    three actions sampled once, Â = (1, 0, −1), γ = 1/2, δ = δ^(APC) = 1/8, Δ** = δ Δ̂*, every centred Δ* ∈ {k/4}³
    outside the trust region (D̂_TV(s, Δ*) > δ). With one state j = Σ_a n(proj G(Δ) Â + Â)/((1−γ)T_s) (eq 75)."""
    counts, adv, gamma = (1, 1, 1), (Fraction(1), Fraction(0), Fraction(-1)), Fraction(1, 2)
    t_s = sum(counts)
    directions, m_s = unit_maximizers(counts, adv)
    radius = (1 - gamma) * (m_s / t_s) / (8 * gamma * max(abs(a) for a in adv))  # eq 72, M = M(s)/T_s
    inside = tuple(radius * x for x in directions[0])  # Δ** = δ Δ̂*

    def j(u):
        return state_value(u, counts, adv, radius) / ((1 - gamma) * t_s)

    def sides(u):
        g = gate(u, counts, radius)
        projected = [x - correction(g, counts, radius) for x in g]  # proj(G(Δ*)) (Def D.8)
        return j(u), j(inside) - m_s / ((1 - gamma) * t_s) * (radius - tv(projected, counts))

    relations = {"=": lambda a, b: a == b, "≤": lambda a, b: a <= b}
    cases = tuple((u,) for u in centred_vectors(counts, FINE) if tv(u, counts) > radius)
    family = (f"one state, n = (1, 1, 1), Â = (1, 0, −1), γ = 1/2, δ = {radius}, every centred Δ* ∈ {{k/4}}³ with "
              "D̂_TV(s, Δ*) > δ: j(Δ*) RELATION j(Δ**) − Γ(s)M(s)/((1−γ)ΓT_s)(δ − D̂_TV(s, proj G(Δ*)))")

    def describe(u):
        left, right = sides(u)
        return f"Δ* = ({', '.join(map(str, u))}): j(Δ*) = {left}, the right side = {right}"

    def search(relation):
        return proved(Search(family.replace("RELATION", relation), cases, lambda u: relations[relation](*sides(u)),
                             describe))

    written = search(chain)
    return written if written.outcome.holds else typo(written, search("≤"))


def two_state_objective(adv_s2, step_factor=8):
    """eq 68 on two states, each with two actions sampled once at t = 0 (Γ(s) = 2, Γ = 4, T_s = 2), Â(s₁) = (1, −1),
    Â(s₂) = adv_s2, γ = 1/2: Δ_s = (x_s, −x_s) by (65); returns j(x₁, x₂), t* (Thm D.3, with `step_factor` for its 8)
    and the maximizers Δ̂*_s of (69) per state."""
    gamma, counts = Fraction(1, 2), (1, 1)
    advs = ((Fraction(1), Fraction(-1)), tuple(adv_s2))
    sup = max(abs(a) for adv in advs for a in adv)
    units = [unit_maximizers(counts, adv) for adv in advs]
    weight, total = Fraction(2, 2), 4  # Γ(s)/T_s and Γ
    big_m = sum(weight * m_s for _, m_s in units) / total  # M = (1/Γ) Σ_s Γ(s)/T_s M(s) (p. 35)
    t_star = (1 - gamma) * big_m / (step_factor * gamma * sup)

    def j(xs):
        deltas = [(x, -x) for x in xs]
        linear = sum(weight * sum(n * d * a for n, d, a in zip(counts, delta, adv))
                     for delta, adv in zip(deltas, advs)) / ((1 - gamma) * total)
        return linear - 4 * gamma * sup / (1 - gamma) ** 2 * max(tv(d, counts) for d in deltas) ** 2

    return j, t_star, [directions for directions, _ in units], [m_s for _, m_s in units]


STEPS = tuple(Fraction(k, 64) for k in range(-16, 17))  # every per-state step x_s, |x_s| ≤ 1/4
ADVANTAGES_S2 = ((Fraction(1), Fraction(-1)), (Fraction(1, 2), Fraction(-1, 2)), (Fraction(0), Fraction(0)))


@check("Theorem D.3", "eq71", controls={"only states with M(s) > 0": {"states": ADVANTAGES_S2[:2]},
                                       "t* with 4γ for 8γ": {"step_factor": 4}})
def zero_m_state(states=ADVANTAGES_S2, step_factor: int = 8) -> list[Finding]:
    """Thm D.3: Def D.1's maximizer (least Σ_s (1/T_s) Σ_a Δ², p. 34) of j (eq 68) is Δ*_s = t* Δ̂*_s at every state;
    eq 71: max Σ_a n Δ Â over centred Δ with D̂_TV(s, Δ) ≤ c is attained only at c Δ̂*_s. Two states (see
    two_state_objective), Â(s₂) = (a, −a), every step on the grid {k/64}² (it holds t* and c = t*)."""
    cases = tuple((adv,) for adv in states)
    name = ", ".join(f"({a}, {b})" for a, b in states)

    def selected(adv):
        j, _, _, _ = two_state_objective(adv, step_factor)
        values = {xs: j(xs) for xs in itertools.product(STEPS, repeat=2)}
        best = max(values.values())
        return min((xs for xs, v in values.items() if v == best), key=lambda xs: (sum(x * x for x in xs), xs))

    def closed_form(adv) -> bool:
        _, t_star, units, _ = two_state_objective(adv, step_factor)
        return all((x, -x) in [tuple(t_star * d for d in u) for u in directions]
                   for x, directions in zip(selected(adv), units))

    def tied_radii(adv) -> list[Fraction]:
        t_star = two_state_objective(adv, step_factor)[1]
        values = {x: x * adv[0] - x * adv[1] for x in STEPS if abs(x) <= t_star}  # Σ n Δ Â at s₂, D̂_TV = |x|
        best = max(values.values())
        return sorted({abs(x) for x, v in values.items() if v == best})

    def unique_at_radius(adv) -> bool:
        return tied_radii(adv) == [two_state_objective(adv, step_factor)[1]]

    def describe_selection(adv):
        _, t_star, _, m = two_state_objective(adv, step_factor)
        return (f"Â(s₂) = ({adv[0]}, {adv[1]}), M(s₂) = {m[1]}: Def D.1 selects Δ* = ((x₁, −x₁), (x₂, −x₂)) with "
                f"(x₁, x₂) = {tuple(map(str, selected(adv)))}, so D̂_TV(s₂, Δ*) = {abs(selected(adv)[1])} ≠ "
                f"t* = {t_star}")

    def describe_radii(adv):
        _, t_star, _, m = two_state_objective(adv, step_factor)
        radii = tied_radii(adv)
        return (f"Â(s₂) = ({adv[0]}, {adv[1]}), M(s₂) = {m[1]}, c = {t_star}: the maximum is attained at every "
                f"radius c* ∈ {{{radii[0]}, …, {radii[-1]}}} (Δ = 0 among them)")

    condition = "M(s) > 0 at every state (the sampled advantages at s not all equal)"
    findings = []
    for family, predicate, describe in (
            ("Thm D.3: Def D.1's maximizer of j is t* Δ̂*_s at both states", closed_form, describe_selection),
            ("eq 71 at s₂, c = t*: the arg max is c Δ̂*_(s₂) only", unique_at_radius, describe_radii)):
        written = proved(Search(f"{family}, Â(s₂) ∈ {{{name}}}, steps {{k/64}}²", cases, predicate, describe))
        if not written.outcome.holds:
            positive = tuple(case for case in cases if two_state_objective(case[0], step_factor)[3][1] > 0)
            written = under_condition(written, condition, proved(Search(
                f"{family}, the cases with M(s₂) > 0", positive, predicate, describe)))
        findings.append(written)
    return findings


@check("Lemma D.12", controls={"with the ½ of eq 34": {"half": sp.Rational(1, 2)}})
def update_tv_factor(half=1) -> list[Finding]:
    """Two actions with n/T_s = π_old = (1/2, 1/2) and Δ* = t*(1, −1): D_TV by eq 34/37 is t*/2, D̂_TV (eq 39) is t*."""
    t = var("t", "positive")
    old, delta = (sp.Rational(1, 2),) * 2, (t, -t)
    tv_true = sp.Rational(1, 2) * sum(p * sp.Abs(x) for p, x in zip(old, delta))
    return [agree("D_TV^max(π_old‖π_new) by eq 34", tv_true, "Lemma D.12: t*", half * 2 * tv_true,
                  "one state, π_old = (1/2, 1/2) sampled once each, Δ* = t*(1, −1)")]

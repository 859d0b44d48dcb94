"""App. A Notation and preliminaries (pp. 21–25): divergences, their estimators (eqs 34–52), ratio space."""

from __future__ import annotations

import itertools
from fractions import Fraction

import sympy as sp

from ..formula import Search, Statement, var, variables
from ._base import Finding, agree, check, identity, proved, row, typo

NOTATION = "notation (a name for an object, nothing that can hold or fail)"

ROWS = [
    row("A", 21, "p21-J", "J(θ) := E_τ[Σ_t γ^t R(s_t)] and J⁽¹⁾(θ|θold) := J(θold) + E_τ∼θold[Σ_t γ^t r A]",
        "definition", uses=("eq 53", "eq 54", "Thm 4.5"), unchecked=NOTATION),
    row("A", 21, "p21-a1", "∇J⁽¹⁾(θ|θold) = ∇J(θ) at θ = θold [8]", "assertion",
        unchecked="a cited result (Kakade & Langford 2002), used as a premise"),
    row("A", 21, "p21-rho-tj", "ρ̄^(tj)(U) := E_τ[Σ_t (1/T_τ) 1_U(s_t)], the trajectory-length-normalized state "
        "distribution", "definition", uses=("eq 45", "eq 50", "eq 51")),
    row("A", 22, "p22-counting", "n_(s,a), μ_X, μ^(τ), μ̄^(τ) normalized counting measures", "definition",
        uses=("App. C.4 (μ = n/T)", "App. E.5.4 (K = μ̄^(τ))"), unchecked=NOTATION),
    row("A", 22, "eq34", "D_TV(s) := ½ Σ_a |π_old(a|s) − π_θ(a|s)|", "definition", claims=("TRPO-4",),
        uses=("eq 37", "eq 39", "eq 41", "eq 46", "eq 48", "eq 50", "Lemma D.12"), link="TRPO-4/eq37"),
    row("A", 22, "eq35", "D_KL(s) := Σ_a π_old log(π_old/π_θ)", "definition", uses=("eq 38", "eq 40", "eq 49")),
    row("A", 22, "eq36", "Pinsker: D_TV(s)² ≤ ½ D_KL(s)", "assertion",
        unchecked="a cited theorem (Pinsker's inequality), used as a premise"),
    row("A", 23, "eq37", "D_TV(s) = ½ E_(a∼π_old)|r − 1|", "assertion", claims=("TRPO-4",)),
    row("A", 23, "eq38", "D_KL(s) = −E_(a∼π_old) log r", "assertion"),
    row("A", 23, "eq39", "D̂_TV(s) := (1/T_s) Σ_a n_(s,a) |r − 1|", "definition", claims=("TRPO-4",),
        uses=("eq 37", "eq 42", "eq 67", "eq 69", "Lemma D.9"), link="TRPO-4/eq39"),
    row("A", 23, "eq40", "D̂_KL(s) := −(1/T_s) Σ_a n_(s,a) log r", "definition", uses=("eq 38", "eq 42")),
    row("A", 23, "eq41", "D̄ := E_(s∼ρ̄)[D(s)], ρ̄ := lim_(γ→1⁻)(1−γ)ρ(γ) at γ = 1 (A.1); T_s/T ∼ ρ̄(s) (A.3.2)",
        "definition", uses=("p. 21 ρ̄", "eq 42", "App. D.1")),
    row("A", 23, "eq42", "(1/T) Σ_s T_s D̂(s) = (1/T) Σ_s Σ_a n f(r) = (1/T) Σ_X̄ f(r)", "assertion"),
    row("A", 23, "eq43", "D_TV^max := max_(s∈S) D_TV(s)", "definition", claims=("TRPO-4",),
        uses=("eq 1", "eq 55", "Def B.1", "Lemma D.12"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("A", 23, "eq44", "D̂_TV^max := max_(s∈S[X]) D̂_TV(s)", "definition", claims=("TRPO-4",),
        uses=("eq 67", "Lemma D.12"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("A", 24, "eq45", "D̄^(tj) := E_(s∼ρ̄^(tj))[D(s)]", "definition", uses=("eq 46", "eq 50", "Claim 3.5")),
    row("A", 24, "eq46", "D̄^(tj)_TV = ½ E_(s∼ρ̄^(tj), a∼π_old)|r − 1|", "assertion", claims=("RGF-3",)),
    row("A", 24, "eq47", "Ê^(τ)[f(s, a)] := (1/T_τ) Σ_t f(r_t)", "definition", unchecked=NOTATION),
    row("A", 24, "eq48", "D̂^(τ)_TV := Ê^(τ)[D_TV(s)] = (1/T_τ) Σ_t |r_t − 1|", "definition", claims=("TRPO-4",),
        uses=("eq 37", "eq 46", "App. C.5.3", "p. 10 (ii)")),
    row("A", 24, "eq49", "D̂^(τ)_KL := Ê^(τ)[D_KL(s)] = −(1/T_τ) Σ_t log r_t", "definition", claims=("RGF-3",),
        uses=("Claim 3.5 / App. C.6 (log s_τ = −D̂_KL)", "App. C.5.3 step 3")),
    row("A", 24, "eq50", "D̄^(tj) = E_τ[D̂^(τ)] = E_(ρ̄^(tj)·π_old)[f(r)]", "assertion", claims=("TRPO-4",)),
    row("A", 24, "p24-a1", "the single-trajectory estimator is a T_τ-sample estimator of D̄^(tj)", "assertion",
        unchecked="an informal remark on estimation (no rate or bound stated)"),
    row("A", 24, "eq51", "D̂^(tj) = (1/|Tj|) Σ_X̄ (1/T_τ) f(r)", "assertion"),
    row("A", 25, "eq52", "(1/T) Σ_τ T_τ D̂^(τ) = (1/T) Σ_X̄ f(r)", "assertion"),
    row("A", 25, "p25-defA1", "Definition A.1, Remark A.2, subscript and parity conventions", "definition",
        uses=("eq 20 (γ^(l), C^(l))",), unchecked=NOTATION),
    row("A", 25, "p25-logit", "π_θ(a|s) = exp(z_(s,a))/Σ_(a′:(s,a′)∈X) exp(z_(s,a′)) (softmax over sampled actions)",
        "definition", uses=("eq 19", "eq 34 (π_θ(·|s) over A)")),
]

TWO_ACTIONS = "one state, π_old = (1/2, 1/2), π_θ = (3/4, 1/4)"


def tv_example():
    """(D_TV by eq 34, E_(π_old)|r − 1|) at the TWO_ACTIONS state."""
    old, new = (sp.Rational(1, 2),) * 2, (sp.Rational(3, 4), sp.Rational(1, 4))
    tv = sp.Rational(1, 2) * sum(abs(p - q) for p, q in zip(old, new))
    return tv, sum(p * abs(q / p - 1) for p, q in zip(old, new))


@check("p21-rho-tj", controls={"weights 1/(T_τ + 1)": {"offset": 1}})
def trajectory_distribution_is_probability(offset: int = 0) -> list[Finding]:
    """ρ̄^(tj) has total mass 1: Σ_(t<T_τ) 1/T_τ = 1 for every length, T_τ ≤ 256 (p. 21)."""
    cases = tuple((t,) for t in range(1, 257))
    return [proved(Search("every trajectory length 1 ≤ T_τ ≤ 256", cases,
                          lambda t: sum(Fraction(1, t + offset) for _ in range(t)) == 1))]


@check("eq37", controls={"without the ½": {"half": 1}})
def tv_ratio_form(half=sp.Rational(1, 2)) -> list[Finding]:
    """½ Σ_a |π_old − π_θ| = half · Σ_a π_old |r − 1| for two actions (eq 34 → eq 37)."""
    p1, p2, q1, q2 = (var(n, "positive") for n in ("p_1", "p_2", "q_1", "q_2"))
    lhs = sp.Rational(1, 2) * (sp.Abs(p1 - q1) + sp.Abs(p2 - q2))
    rhs = half * (p1 * sp.Abs(q1 / p1 - 1) + p2 * sp.Abs(q2 / p2 - 1))
    return [proved(Statement(sp.Eq(lhs, rhs)))]


@check("eq35", "eq38", controls={"sign flipped": {"sign": 1}})
def kl_ratio_form(sign: int = -1) -> list[Finding]:
    """Σ_a π_old log(π_old/π_θ) = sign · Σ_a π_old log r, r = π_θ/π_old, two actions (eq 35 → eq 38)."""
    p1, p2, q1, q2 = (var(n, "positive") for n in ("p_1", "p_2", "q_1", "q_2"))
    lhs = p1 * sp.log(p1 / q1) + p2 * sp.log(p2 / q2)
    rhs = sign * (p1 * sp.log(q1 / p1) + p2 * sp.log(q2 / p2))
    return [identity(lhs, rhs, {p1: 1, p2: 1, q1: 2, q2: 1}, "all positive p₁, p₂, q₁, q₂")]


@check("eq40", controls={"counts of another sample": {"counts": (2, 1)}})
def kl_estimator_matches(counts=(1, 1)) -> list[Finding]:
    """With sample frequencies n/T_s equal to π_old = (1/2, 1/2), eq 40 is eq 38 exactly (no stray factor)."""
    q1, q2 = var("q_1", "positive"), var("q_2", "positive")
    ratios = (2 * q1, 2 * q2)
    estimate = -sum(n * sp.log(r) for n, r in zip(counts, ratios)) / sum(counts)
    exact = -sum(sp.Rational(1, 2) * sp.log(r) for r in ratios)
    return [identity(estimate, exact, {q1: 1, q2: 2}, "all positive q₁, q₂")]


@check("eq41", controls={"normalised by the expected length": {"by_length": True}})
def normalized_distribution_at_one(by_length: bool = False, length: int = 3) -> list[Finding]:
    """ρ̄ at γ = 1 (A.1: lim (1−γ)ρ(γ)) gives the real states of length-3 episodes total mass 0, while eq 41/42 use
    ρ̄(s) ∼ T_s/T, a probability over the visited states (the null states of Remark 4.1 take the rest)."""
    gamma = var("gamma", "positive")
    visits = sum(gamma ** t for t in range(length))
    mass = visits.subs(gamma, 1) / length if by_length else sp.limit((1 - gamma) * visits, gamma, 1, dir="-")
    return [agree("ρ̄(visited states) at γ = 1 by A.1", mass, "Σ_s T_s/T (A.3.2)", 1,
                  f"episodes of length {length}")]


@check("eq42", "eq52", controls={"a per-state weight 1/|X_s|": {"per_state": True}})
def average_estimator_forms(per_state: bool = False) -> list[Finding]:
    """(1/T) Σ_s T_s D̂(s) = (1/T) Σ_X̄ f (eqs 42, 52) on every sample of ≤ 3 tokens over 2 states, 2 actions, f ∈ {0, 1}
    per (s, a); the trajectory form groups the same tokens by trajectory."""
    tokens = [(s, a) for s in (0, 1) for a in (0, 1)]
    cases = []
    for n in range(1, 4):
        for sample in itertools.product(tokens, repeat=n):
            for f in itertools.product((0, 1), repeat=4):
                cases.append((sample, f))

    def same(sample, f) -> bool:
        big_t = len(sample)
        value = {tok: Fraction(f[i]) for i, tok in enumerate(tokens)}
        flat = sum(value[tok] for tok in sample) / big_t
        by_state = Fraction(0)
        for s in (0, 1):
            mine = [tok for tok in sample if tok[0] == s]
            if mine:
                weight = len({tok for tok in mine}) if per_state else len(mine)
                by_state += len(mine) * (sum(value[tok] for tok in mine) / weight)
        return by_state / big_t == flat

    return [proved(Search("every sample of 1–3 tokens over 2 states × 2 actions, f ∈ {0, 1}^4", tuple(cases),
                          same))]


@check("eq45", "eq46", controls={"without the ½": {"half": 1}})
def trajectory_tv_ratio_form(half=sp.Rational(1, 2)) -> list[Finding]:
    """E_(s∼ρ̄^(tj))[D_TV(s)] with eq 34 equals half · E_(s, a∼π_old)|r − 1| (eq 45 → eq 46): two states of weights
    w₁, w₂, two actions each."""
    w = variables("w", 2, "positive")
    p = [variables(f"p{s}", 2, "positive") for s in (1, 2)]
    q = [variables(f"q{s}", 2, "positive") for s in (1, 2)]
    lhs = sum(w[s] * sp.Rational(1, 2) * sum(sp.Abs(p[s][a] - q[s][a]) for a in range(2)) for s in range(2))
    rhs = half * sum(w[s] * sum(p[s][a] * sp.Abs(q[s][a] / p[s][a] - 1) for a in range(2)) for s in range(2))
    return [proved(Statement(sp.Eq(lhs, rhs)))]


@check("eq48", controls={"with the ½ of eq 37": {"half": sp.Rational(1, 2)}})
def single_trajectory_tv_factor(half=1) -> list[Finding]:
    """Ê^(τ)[D_TV(s)] against its stated value (1/T) Σ |r_t − 1|, in expectation over the action (eq 48 vs eq 37)."""
    tv, mean_abs = tv_example()
    return [agree("E[Ê^(τ)[D_TV(s)]] = D_TV(s) by eq 37", tv, "E[(1/T) Σ|r_t − 1|] (eq 48)", half * mean_abs,
                  TWO_ACTIONS)]


@check("eq49", controls={"sign flipped": {"sign": 1}})
def kl_estimator_is_log_aggregate(sign: int = -1) -> list[Finding]:
    """−(1/T) Σ_t log r_t = sign · log s_τ with s_τ = (Π r_t)^(1/T) (eq 49; Claim 3.5 / App. C.6), T = 3."""
    r = variables("r", 3, "positive")
    estimate = -sp.Add(*[sp.log(x) for x in r]) / 3
    aggregate = sp.log(sp.Mul(*r) ** sp.Rational(1, 3))
    return [identity(estimate, sign * aggregate, {x: 2 for x in r}, "all positive r₁, r₂, r₃")]


@check("eq50", controls={"with the ½ of eq 46": {"half": sp.Rational(1, 2)}})
def trajectory_tv_two_readings(half=1) -> list[Finding]:
    """D̄^(tj)_TV by eq 46 (½ E|r − 1|) against eq 50 (E[f(r)], f = |r − 1|)."""
    _, mean_abs = tv_example()
    return [agree("D̄^(tj)_TV by eq 46", sp.Rational(1, 2) * mean_abs, "D̄^(tj)_TV by eq 50", half * mean_abs,
                  TWO_ACTIONS)]


@check("eq51", controls={"weights 1/T instead of 1/T_τ": {"token_weights": True}})
def trajectory_estimator_forms(token_weights: bool = False) -> list[Finding]:
    """(1/|Tj|) Σ_X̄ (1/T_τ) f = mean over trajectories of (1/T_τ) Σ_t f (eq 51), every batch of ≤ 3 trajectories of
    lengths 1–3 with f ∈ {0, 3} per token."""
    cases = []
    for lengths in itertools.chain.from_iterable(itertools.product((1, 2, 3), repeat=k) for k in (1, 2, 3)):
        for f in itertools.product((0, 3), repeat=sum(lengths)):
            cases.append((lengths, f))

    def same(lengths, f) -> bool:
        it, per_traj, pooled = iter(f), [], Fraction(0)
        total = sum(lengths)
        for t in lengths:
            vals = [Fraction(next(it)) for _ in range(t)]
            per_traj.append(sum(vals) / t)
            pooled += sum(vals) / (total / len(lengths) if token_weights else t)
        return pooled / len(lengths) == sum(per_traj) / len(lengths)

    return [proved(Search("every batch of 1–3 trajectories of lengths 1–3, f ∈ {0, 3} per token", tuple(cases),
                          same))]


@check("p25-logit", controls={"both actions sampled": {"sampled": 2}})
def logit_softmax_domain(sampled: int = 1) -> list[Finding]:
    """A.4's softmax runs over the sampled actions only; eq 34 takes π_θ(·|s) over all of A = {a₁, a₂}."""
    z = sp.Integer(0)
    over_sampled = sp.exp(z) / sum(sp.exp(z) for _ in range(sampled))
    over_all = sp.exp(z) / (2 * sp.exp(z))
    where = f"z ≡ 0, A = {{a₁, a₂}}, {sampled} action(s) sampled"
    written = agree("π_θ(a₁|s) by A.4", over_sampled, "π_θ(a₁|s) over A", over_all, where)
    if written.outcome.holds:
        return [written]
    softmax_over_a = sp.exp(z) / sum(sp.exp(z) for _ in range(2))  # the intended reading: Σ over a′ ∈ A (as eq 19)
    return [typo(written, agree("π_θ(a₁|s) with Σ over a′ ∈ A", softmax_over_a, "π_θ(a₁|s) over A", over_all,
                                where))]

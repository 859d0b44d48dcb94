"""FiberPO: gated residual forms, Jacobian (eq 20), identity neighbourhood, g_agg, logclip, reverse KL (Sec. 5)."""

from __future__ import annotations

import itertools

import sympy as sp

from .formula import (
    C_NEG,
    C_POS,
    EPS,
    Family,
    Part,
    Search,
    Statement,
    channel_means,
    clip,
    fiber_residuals,
    gagg,
    log_fiberpo_gate,
    log_gated_residual,
    logs,
    mean,
    pos,
    resid_u,
    resid_v,
    signed,
    var,
    variables,
    when,
)
from .registry import derivation

TOKEN_T = 3  # z3 decides the per-token statements for every T up to here within the build's time budget


def abstract_token() -> tuple:
    """A token ℓ_i with its trajectory's log s⁺, log s⁻ ≥ 0 and mean m = log s⁺ − log s⁻ (true for every T, FPO-9):
    the variables of the symbolic-T forms."""
    return var("ell_i"), var("S_+", "nonnegative"), var("S_-", "nonnegative"), var("m")


# ---------------------------------------------------------------- FPO-1: eq 11 = eq 16, unsaturated, L-I, G-I


def eq11_log(x, s_pos, s_neg, eps, opposite=-1):
    """log r̃ from the two sign cases of eq 11 (p. 12): clip(ℓ − log s⁺) − clip(−log s⁻), or clip(ℓ + log s⁻) − clip(log s⁺)
    (`opposite` is the sign of the denominator's term: −1 as printed)."""
    return sp.Piecewise((clip(x - s_pos, eps) + opposite * clip(-s_neg, eps), x >= 0),
                        (clip(x + s_neg, eps) + opposite * clip(s_pos, eps), True))


def eq11_is_eq16(big_t: int, opposite=-1) -> Statement:
    """Eq 11's two-case form equals eq 16 for every token."""
    ell = variables("ell", big_t)
    s_pos, s_neg = channel_means(ell)
    return Statement(sp.And(*(sp.Eq(eq11_log(x, s_pos, s_neg, EPS, opposite), log_gated_residual(ell, i, EPS))
                              for i, x in enumerate(ell))))


def token_residual(x, s_pos, s_neg, eps):
    """log r̃ of a token from its own value and the trajectory aggregates (eq 16)."""
    u, v = resid_u(x, s_pos, s_neg), resid_v(x, s_pos, s_neg)
    return clip(signed(x, u), eps) - clip(signed(x, v), eps)


def eq11_is_eq16_symbolic(opposite=-1) -> Statement:
    """The same for any T: the statement only involves ℓ_i and the two aggregates."""
    x, s_pos, s_neg, _ = abstract_token()
    return Statement(sp.Eq(eq11_log(x, s_pos, s_neg, EPS, opposite), token_residual(x, s_pos, s_neg, EPS)))


def centred(big_t: int, hypotheses, domain: str = "real") -> Statement:
    """hypotheses(u, v) ⇒ log r̃_i = ℓ_i − mean ℓ for every token (p. 13 below eq 16)."""
    ell = variables("ell", big_t, domain)
    u, v = fiber_residuals(ell)
    return Statement(sp.And(*(sp.Eq(log_gated_residual(ell, i, EPS), x - mean(ell)) for i, x in enumerate(ell))),
                     hypotheses(u, v))


def unsaturated_symbolic() -> Statement:
    """|u| ≤ ε, |v| ≤ ε ⇒ log r̃ = ℓ_i − m, for any T (m = log s⁺ − log s⁻ is the mean, FPO-9)."""
    x, s_pos, s_neg, m = abstract_token()
    u, v = resid_u(x, s_pos, s_neg), resid_v(x, s_pos, s_neg)
    return Statement(sp.Eq(token_residual(x, s_pos, s_neg, EPS), x - m),
                     (sp.Eq(s_pos - s_neg, m), sp.Abs(u) <= EPS, sp.Abs(v) <= EPS))


def both_unclipped(big_t: int) -> tuple:
    """|u_i| ≤ ε and |v_i| ≤ ε for every token (ℓ_i ≠ 0): the condition eq 16's ratio decoupling needs (p. 13)."""
    u, v = fiber_residuals(variables("ell", big_t, "nonzero"))
    return tuple(sp.Abs(x) <= EPS for x in u + v)


def identity_under(big_t: int, local, domain: str = "real") -> Statement:
    """G-I (both aggregates within budget) and `local` ⇒ log G_i = ℓ_i for every token (G = r)."""
    ell = variables("ell", big_t, domain)
    s_pos, s_neg = channel_means(ell)
    u, v = fiber_residuals(ell)
    return Statement(sp.And(*(sp.Eq(log_fiberpo_gate(ell, i, C_POS, C_NEG, EPS), x) for i, x in enumerate(ell))),
                     (s_pos <= C_POS, s_neg <= C_NEG, *local(u, v)))


def sign_zero_conventions() -> Statement:
    """At ℓ_i = 0 the labels l = +1 and l = −1 give the same log r̃ (clip is odd), so sign(0) is immaterial."""
    _, s_pos, s_neg, _ = abstract_token()
    return Statement(sp.Eq(clip(-s_pos, EPS) - clip(-s_neg, EPS), clip(s_neg, EPS) - clip(s_pos, EPS)))


@derivation("FPO-1", controls={"denominator of eq 11 multiplied": {"opposite": 1}})
def check_fpo1(opposite: int = -1) -> list[Part]:
    """FPO-1: eq 11 = eq 16; unsaturated ⇒ log r̃ = ℓ − mean ℓ; L-I as defined on p. 14; G-I ⇒ G = r."""
    def unsat(u, v):
        return [sp.Abs(x) <= EPS for x in u + v]

    return [
        Part("FPO-1/eq16", "p. 12-13, eqs 11, 16",
             Family(lambda t: eq11_is_eq16(t, opposite), TOKEN_T, symbolic=eq11_is_eq16_symbolic(opposite)),
             support=[sign_zero_conventions()]),
        Part("FPO-1/unsaturated", "p. 13, below eq 16",
             Family(lambda t: centred(t, unsat), TOKEN_T, symbolic=unsaturated_symbolic(),
                    symbolic_domain="all T (given log s⁺ − log s⁻ = mean ℓ, FPO-9)")),
        Part("FPO-1/L-I", "p. 14, regime L-I", role="remark",
             claim=Family(lambda t: centred(t, lambda u, v: [sp.Abs(x) < EPS for x in u], "nonzero"), TOKEN_T),
             condition=both_unclipped,
             note="L-I is defined by max |u_i| < ε alone; the 'no restriction' reading needs |v_i| ≤ ε as well."),
        Part("FPO-1/G-I", "p. 12 (G-I), p. 13",
             Family(lambda t: identity_under(t, lambda u, v: [], "nonzero"), TOKEN_T), condition=both_unclipped),
    ]


# ---------------------------------------------------------------- FPO-2: the Jacobian (eq 20)


def gamma_times(s, c, big_t, d):
    """γ^(l) d: slope of g_agg at the aggregate s (1 pass-through, −T rollback, 0 zeroed) times d (eq 20)."""
    return sp.Piecewise((d, s < c), (-big_t * d, s < (1 + sp.Integer(1) / big_t) * c), (0, True))


def gamma_of(regime: str, big_t, gamma_slope) -> sp.Expr:
    """γ in a base regime, read off gamma_slope at a representative aggregate."""
    c = sp.Integer(1)
    probe = {"P": c / 2, "R": c + c / (2 * big_t), "Z": 2 * c + 1}[regime]
    return sp.piecewise_fold(gamma_slope(probe, c, big_t, sp.Integer(1))).args[0][0] if isinstance(
        gamma_slope(probe, c, big_t, sp.Integer(1)), sp.Piecewise) else gamma_slope(probe, c, big_t, sp.Integer(1))


def branch(regime: str, x, c, big_t) -> sp.Expr:
    """The branch of g_agg(x, C, T) for x ≥ 0 in a base regime (eq 10)."""
    return {"P": x, "R": (big_t + 1) * c - big_t * x, "Z": sp.Integer(0)}[regime]


def jacobian_cases(gamma_slope=gamma_times, shortcut: bool = False) -> Statement:
    """∂log G_i/∂ℓ_j on each regime equals eq 20's bracket, for symbolic T: every sign pair (l_i, l_j), i = j or not,
    base regime per channel (P, R, Z), u_i and v_i free or saturated. The aggregates are log s^± = (own + rest)/T with
    the rest R± ≥ 0 of the trajectory, so the statement holds for every T."""
    big_t = var("T", "positive integer")
    a_i, a_j = var("a_i", "positive"), var("a_j", "positive")
    rest = {1: var("R_+", "nonnegative"), -1: var("R_-", "nonnegative")}
    equations = []
    for l_i, l_j, same_token in itertools.product((1, -1), (1, -1), (True, False)):
        if same_token and l_i != l_j:
            continue
        own = {1: 0, -1: 0}
        own[l_i] += a_i
        if not same_token:
            own[l_j] += a_j
        wrt = a_i if same_token else a_j
        agg = {l: (own[l] + rest[l]) / big_t for l in (1, -1)}
        for base_pos, base_neg, u_free, v_free in itertools.product("PRZ", "PRZ", (True, False), (True, False)):
            regimes = {1: base_pos, -1: base_neg}
            log_w = branch(base_pos, agg[1], C_POS, big_t) - branch(base_neg, agg[-1], C_NEG, big_t)
            u = a_i - agg[l_i]  # l_i u_i = l_i ℓ_i − l_i log s^(l_i), times l_i: the clip's argument
            v = -agg[-l_i]
            fiber = (u if u_free else EPS) - (v if v_free else EPS)  # saturated clips are constant
            derivative = l_j * sp.Derivative(log_w + l_i * fiber, wrt)  # ∂/∂ℓ_j = l_j ∂/∂a_j
            gamma = gamma_of(regimes[l_j], big_t, gamma_slope)
            same = l_i == l_j
            bracket = gamma / big_t if shortcut else (
                int(u_free) * int(same_token)
                + (gamma - int(u_free) * int(same) - int(v_free) * (1 - int(same))) / big_t)
            equations.append(sp.Eq(derivative, bracket, evaluate=False))
    return Statement(sp.And(*equations), engines=("sympy",))


def l3_shortcut(big_t: int) -> Statement:
    """In the interior of L-III (every |u_i| > ε, where J exists) eq 20's −1[|v_i| ≤ ε](1 − 1[l_i = l_j])/T term vanishes, so J = (G/r)(1/T)γ^(l_j):
    every token has |v_i| > ε or no token of the opposite sign (v_i = 0)."""
    ell = variables("ell", big_t, "nonzero")
    u, v = fiber_residuals(ell)
    return Statement(sp.And(*(sp.Or(sp.Abs(x) > EPS, sp.Eq(x, 0)) for x in v)), [sp.Abs(x) > EPS for x in u])


def opposite_saturated(big_t: int) -> tuple:
    """|v_i| > ε or v_i = 0 for every token: the opposite aggregate is saturated as well (or absent)."""
    _, v = fiber_residuals(variables("ell", big_t, "nonzero"))
    return tuple(sp.Or(sp.Abs(x) > EPS, sp.Eq(x, 0)) for x in v)


def chain_rule() -> Statement:
    """∂G/∂r = (G/r) ∂log G/∂log r, so J_ij = (G_i/r_j) × bracket (the step from log space to eq 20)."""
    r, f = var("r", "positive"), sp.Function("logG")
    y = sp.Symbol("y")
    dlog = sp.diff(f(y), y).subs(y, sp.log(r))
    return Statement(sp.Eq(sp.diff(sp.exp(f(sp.log(r))), r), sp.exp(f(sp.log(r))) / r * dlog))


def rollback_slope_times(s, c, big_t, d):
    """A mutation: rollback slope +T instead of −T."""
    return sp.Piecewise((d, s < c), (big_t * d, s < (1 + sp.Integer(1) / big_t) * c), (0, True))


@derivation("FPO-2", controls={"rollback slope +T": {"gamma_slope": rollback_slope_times}})
def check_fpo2(gamma_slope=gamma_times) -> list[Part]:
    """FPO-2: eq 20 on every regime; the L-III shortcut of p. 14."""
    return [
        Part("FPO-2/eq20", "p. 9, Prop 5.2, eq 20", jacobian_cases(gamma_slope), support=[chain_rule()],
             note="on a regime's interior each gate is one branch of eq 10 or of clip; saturated clips are constant."),
        Part("FPO-2/L-III-shortcut", "p. 14, regime L-III", Family(l3_shortcut, TOKEN_T), role="remark",
             condition=opposite_saturated,
             note="given eq 20, the shortcut (G/r)(1/T)γ^(l_j) holds exactly when this conclusion does."),
    ]


# ---------------------------------------------------------------- FPO-4: identity at on-policy, and where G = r


def identity_radius_hypotheses(ell, big_t: int, scale=1) -> tuple:
    """‖ℓ‖∞ ≤ ρ = min(C⁺, C⁻, εT/(T − 1)), written linearly: |ℓ_j| ≤ C±, (T − 1)|ℓ_j| ≤ εT."""
    return tuple(h for x in ell for h in (sp.Abs(x) <= scale * C_POS, sp.Abs(x) <= scale * C_NEG,
                                          (big_t - 1) * sp.Abs(x) <= scale * EPS * big_t))


def identity_ball(big_t: int, scale=1) -> Statement:
    """On the ℓ∞ ball of radius min(C⁺, C⁻, εT/(T−1)) around on-policy, G = r exactly (so J = I at r = 1)."""
    ell = variables("ell", big_t)
    return Statement(sp.And(*(sp.Eq(log_fiberpo_gate(ell, i, C_POS, C_NEG, EPS), x) for i, x in enumerate(ell))),
                     identity_radius_hypotheses(ell, big_t, scale))


def on_policy_identity(big_t: int) -> Statement:
    """At r ≡ 1 (every ℓ_i = 0) log G_i = 0 = ℓ_i: G = r (Property 5.4)."""
    ell = variables("ell", big_t)
    return Statement(sp.And(*(sp.Eq(log_fiberpo_gate(ell, i, C_POS, C_NEG, EPS), x) for i, x in enumerate(ell))),
                     tuple(sp.Eq(x, 0) for x in ell))


def ball_is_largest(big_t: int) -> Statement:
    """For every radius ρ' > min(C⁺, C⁻, εT/(T−1)) a point of the ρ'-ball has G ≠ r: (ρ',…,ρ'), (−ρ',…,−ρ') or
    (ρ', 0, …, 0)."""
    rho = var("rho", "positive")
    witnesses = [[rho] * big_t, [-rho] * big_t, [rho] + [sp.Integer(0)] * (big_t - 1)]
    moved = [sp.Or(*(sp.Ne(log_fiberpo_gate(w, i, C_POS, C_NEG, EPS), w[i]) for i in range(big_t))) for w in witnesses]
    return Statement(sp.Or(*moved), (sp.Or(rho > C_POS, rho > C_NEG, (big_t - 1) * rho > EPS * big_t),))


@derivation("FPO-4", controls={"radius doubled": {"scale": 2}})
def check_fpo4(scale=1) -> list[Part]:
    """FPO-4: G = r on the ball (hence J = I at r = 1, Prop 5.4) and on no larger ball."""
    return [
        Part("FPO-4/identity", "p. 17, Property 5.4", Family(on_policy_identity, TOKEN_T),
             support=[Family(identity_ball, TOKEN_T)],
             note="J(G) = I at r = 1: G = r on the whole ball of radius min(C⁺, C⁻, εT/(T−1)) > 0 (the supporting "
                  "step, proved), an open neighbourhood of r = 1, so the derivative of G there is the identity's."),
        Part("FPO-4/identity-ball", "p. 10, Prop 5.4", Family(lambda t: identity_ball(t, scale), TOKEN_T),
             note="the ball contains a neighbourhood of r = 1, so J = I there (Prop 5.4)."),
        Part("FPO-4/largest", "p. 10, Prop 5.4 (extent)", Family(ball_is_largest, TOKEN_T)),
    ]


# ---------------------------------------------------------------- FPO-5: scale separation


def coupling_bound(big_t: int, gamma_slope=gamma_times) -> Statement:
    """Term (b) of eq 20 is O(1/T): |T·(b)| = |γ^(l) − a| ≤ 1 for a ∈ {0, 1} in every base regime of the aggregate."""
    s, a = var("s", "nonnegative"), var("a")
    one = sp.Integer(1)
    return Statement(sp.Abs(gamma_slope(s, C_POS, big_t, one) - a) <= 1, (sp.Or(sp.Eq(a, 0), sp.Eq(a, 1)),))


def outside_rollback(big_t: int) -> tuple:
    """The aggregate is in pass-through or zeroed, not in rollback."""
    s = var("s", "nonnegative")
    return (sp.Or(s < C_POS, s >= (1 + sp.Integer(1) / big_t) * C_POS),)


def bounded_rollback_times(s, c, big_t, d):
    """A mutation: a rollback slope that does not grow with T."""
    return sp.Piecewise((d, s < c), (-2 * d, s < (1 + sp.Integer(1) / big_t) * c), (0, True))


@derivation("FPO-5", controls={"slope independent of T": {"gamma_slope": bounded_rollback_times},
                               "slope +T, no condition": {"gamma_slope": rollback_slope_times, "condition": False}})
def check_fpo5(gamma_slope=gamma_times, condition: bool = True) -> list[Part]:
    """FPO-5: the local term (a) ∈ {0, 1}; the coupling term (b) is O(1/T) (Prop 5.5)."""
    return [Part("FPO-5/coupling", "p. 10, Prop 5.5", Family(lambda t: coupling_bound(t, gamma_slope), 64),
                 condition=outside_rollback if condition else (),
                 note="term (a) = 1[|u_i| ≤ ε]1[i = j] is 0 or 1 by definition.")]


# ---------------------------------------------------------------- FPO-6: g_agg


def lipschitz(big_t: int, k_scale=1) -> Statement:
    """g_agg(·, C, T) is T-Lipschitz, hence continuous (eq 10, Fig 2a)."""
    x, y = var("x"), var("y")
    return Statement(sp.Abs(gagg(x, C_POS, big_t * k_scale) - gagg(y, C_POS, big_t * k_scale))
                     <= big_t * sp.Abs(x - y))


def rollback_width() -> Statement:
    """The rollback region C < |x| < (1 + 1/T)C has width C/T."""
    big_t = var("T", "positive integer")
    return Statement(sp.Eq((1 + sp.Integer(1) / big_t) * C_POS - C_POS, C_POS / big_t))


def hard_clip_limit(big_t: int, limit=clip) -> Statement:
    """'g_agg approaches a hard clip at ±C as T → ∞': beyond (1 + 1/T)C, g_agg(x) = clip(x, ±C)."""
    x = var("x")
    return Statement(sp.Eq(gagg(x, C_POS, big_t), limit(x, C_POS)), (x > C_POS, big_t * (x - C_POS) >= C_POS))


def censoring(x, c):
    """x·1[|x| ≤ C]: the limit g_agg does reach."""
    return sp.Piecewise((x, sp.Abs(x) <= c), (0, True))


def restorative(big_t: int) -> Statement:
    """In rollback (G-II,r), gradient ascent on Â·g_agg(log s⁺) moves log s⁺ back toward 0."""
    x1, x2, adv = var("x_1"), var("x_2"), var("A", "nonzero")
    top = (1 + sp.Integer(1) / big_t) * C_POS
    back = sp.Or(sp.And(adv > 0, gagg(x2, C_POS, big_t) < gagg(x1, C_POS, big_t)),
                 sp.And(adv < 0, gagg(x2, C_POS, big_t) > gagg(x1, C_POS, big_t)))
    return Statement(back, (C_POS < x1, x1 < x2, x2 < top))


@derivation("FPO-6", controls={"slope of g_agg doubled": {"k_scale": 2},
                               "limit read as censoring": {"limit": censoring}})
def check_fpo6(k_scale=1, limit=clip) -> list[Part]:
    """FPO-6: continuity, rollback width C/T, the T → ∞ limit, restorative sign of g_agg (Sec. 5.1)."""
    adv = var("A", "nonzero")
    return [
        Part("FPO-6/continuity", "p. 8, eq 10", Family(lambda t: lipschitz(t, k_scale), 16)),
        Part("FPO-6/width", "p. 8, below eq 10", rollback_width()),
        Part("FPO-6/hard-clip-limit", "p. 11, below Fig 2", Family(lambda t: hard_clip_limit(t, limit), 64), role="remark",
             note="beyond (1 + 1/T)C g_agg is 0 for every T: the limit is the censoring x·1[|x| ≤ C], not clip."),
        Part("FPO-6/restorative", "p. 12, regime G-II,r", Family(restorative, 64), role="remark",
             condition=lambda t: (adv > 0,),
             note="with Â < 0 the rollback pushes the drifting aggregate further out."),
    ]


# ---------------------------------------------------------------- FPO-8: logclip asymmetry


def expansions(second_order) -> Statement:
    """e^{±ε} = 1 ± ε + ε²/2 + O(ε³) (Sec. 5.2, eq 12)."""
    return Statement(sp.And(*(sp.Eq(sp.series(sp.exp(s * EPS), EPS, 0, 3).removeO(), 1 + s * EPS + second_order * EPS**2,
                                    evaluate=False) for s in (1, -1))), error="O(ε³)")


def asymmetry() -> Statement:
    """(e^ε − 1) − (1 − e^{−ε}) = 4 sinh²(ε/2) > 0: the upper bound is further from 1."""
    gap = (sp.exp(EPS) - 1) - (1 - sp.exp(-EPS))
    square = 4 * sp.sinh(EPS / 2) ** 2
    return Statement(sp.And(sp.Eq(gap, square.rewrite(sp.exp)), sp.Gt(square, 0)))


def dapo_pair(high=sp.Rational(7, 25)) -> Statement:
    """One ε matching DAPO's ε_low = 1/5 (1 − e^{−ε} = 1/5) gives e^ε − 1 = 7/25 = ε_high."""
    matched = -sp.log(1 - sp.Rational(1, 5))
    return Statement(sp.Eq(sp.exp(matched) - 1, high, evaluate=False))


@derivation("FPO-8", controls={"second-order coefficient 1": {"second_order": sp.Integer(1)},
                               "a pair one ε reaches (1/5, 1/4)": {"high": sp.Rational(1, 4)}})
def check_fpo8(second_order=sp.Rational(1, 2), high=sp.Rational(7, 25)) -> list[Part]:
    """FPO-8: e^{±ε} expansions; the asymmetry; 'subsumes asymmetric clip bounds' (Sec. 5.2)."""
    return [Part("FPO-8/expansion", "p. 12, below eq 12", expansions(second_order)),
            Part("FPO-8/asymmetry", "p. 12, below eq 12", asymmetry()),
            Part("FPO-8/subsumes-asymmetric-bounds", "p. 12, below eq 12", dapo_pair(high), role="remark",
                 note="one ε fixes the asymmetry at second order; a given (ε_low, ε_high) pair is not reached.")]


# ---------------------------------------------------------------- FPO-9: reverse KL estimate


def mean_identity(big_t: int, sign=-1) -> Statement:
    """log s⁻ − log s⁺ = −(1/T) Σ ℓ (App. E.5.4)."""
    ell = variables("ell", big_t)
    return Statement(sp.Eq(logs(-1, *ell) - logs(1, *ell), sign * mean(ell)))


def mean_identity_termwise(sign=-1) -> Statement:
    """[−x]₊ − [x]₊ = −x: each term of the two means (so the identity holds for every T)."""
    x = var("x")
    return Statement(sp.Eq(pos(-x) - pos(x), sign * x))


def gibbs() -> Statement:
    """Fixed length: E_{a∼π_old}[−log r] = Σ p log(p/q) = KL(π_old‖π) ≥ 0 (two actions)."""
    p, q = var("p", "positive"), var("q", "positive")
    return Statement(sp.Eq(sp.expand_log(p * -sp.log(q / p) + (1 - p) * -sp.log((1 - q) / (1 - p)), force=True),
                           sp.expand_log(p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q)), force=True)))


def stop_expectation(p, q, big_l):
    """E_τ[log s⁻ − log s⁺] when the first token stops (T = 1) w.p. p under π_old, else T = big_l with ratio-1 tokens."""
    return p * sp.log(p / q) + (1 - p) / big_l * sp.log((1 - p) / (1 - q))


def expectation_search(lengths) -> Search:
    """E_τ[log s⁻ − log s⁺] ≥ 0 on every (π_old(stop), π(stop), length) of a grid (signs decided by SymPy exactly)."""
    probs = (sp.Rational(1, 4), sp.Rational(1, 2), sp.Rational(3, 4))
    cases = tuple((p, q, n) for p in probs for q in probs for n in lengths)
    return Search("(π_old(stop), π(stop), length when not stopped) ∈ {1/4, 1/2, 3/4}² × {"
                  + ", ".join(map(str, lengths)) + "}", cases,
                  lambda p, q, n: stop_expectation(p, q, n).is_nonnegative is not False,
                  describe=lambda p, q, n: f"E = {stop_expectation(p, q, n)} ≈ {sp.N(stop_expectation(p, q, n), 6)} < 0")


@derivation("FPO-9", controls={"sign of the mean flipped": {"sign": 1, "lengths": (1,)}},
            positives={"fixed length only": {"lengths": (1,)}})
def check_fpo9(lengths: tuple = (1, 2, 5, 10), sign=-1) -> list[Part]:
    """FPO-9: log s⁻ − log s⁺ = −mean ℓ; nonnegative in expectation (App. E.5.4)."""
    return [Part("FPO-9/identity", "p. 40, App. E.5.4",
                 Family(lambda t: mean_identity(t, sign), 8, symbolic=mean_identity_termwise(sign),
                        symbolic_domain="every term, hence all T")),
            Part("FPO-9/fixed-length", "p. 40, App. E.5.4", gibbs()),
            Part("FPO-9/expectation", "p. 40, App. E.5.4", expectation_search(lengths),
                 note="the 1/T_τ weight depends on the sampled tokens when the length does.")]


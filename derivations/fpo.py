"""FiberPO: gated residual forms, Jacobian (eq 20), identity neighbourhood, g_agg, logclip, reverse KL (Sec. 5)."""

from __future__ import annotations

import itertools

import sympy as sp

from fiberpo_check.engine import exact_regimes

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
    count_past,
    fiber_residuals,
    gagg,
    log_fiberpo_gate,
    log_gated_residual,
    logs,
    mean,
    pos,
    resid_u,
    resid_v,
    same_mean,
    signed,
    token_gated_residual,
    token_log_gate,
    token_of_trajectory,
    var,
    variables,
   
)
from .registry import derivation

TOKEN_T = 3  # the instances checked beside a per-token lemma (and the bound where there is none)
Z3_ONLY = ("z3",)  # per-token lemmas: SymPy's simplify does not decide nested gates and spends minutes trying


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


def eq11_is_eq16_symbolic(opposite=-1) -> Statement:
    """The same for any T: the statement only involves ℓ_i and the two aggregates."""
    x, s_pos, s_neg, _ = abstract_token()
    return Statement(sp.Eq(eq11_log(x, s_pos, s_neg, EPS, opposite), token_gated_residual(x, s_pos, s_neg, EPS)))


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
    return Statement(sp.Eq(token_gated_residual(x, s_pos, s_neg, EPS), x - m),
                     (sp.Eq(s_pos - s_neg, m), sp.Abs(u) <= EPS, sp.Abs(v) <= EPS))


def both_unclipped(big_t: int) -> tuple:
    """|u_i| ≤ ε and |v_i| ≤ ε for every token (ℓ_i ≠ 0): the condition eq 16's ratio decoupling needs (p. 13)."""
    u, v = fiber_residuals(variables("ell", big_t, "nonzero"))
    return tuple(sp.Abs(x) <= EPS for x in u + v)


def identity_under(big_t: int, local, domain: str = "real", region=1) -> Statement:
    """G-I (both aggregates within budget; `region` scales it) and `local` ⇒ log G_i = ℓ_i for every token (G = r)."""
    ell = variables("ell", big_t, domain)
    s_pos, s_neg = channel_means(ell)
    u, v = fiber_residuals(ell)
    return Statement(sp.And(*(sp.Eq(log_fiberpo_gate(ell, i, C_POS, C_NEG, EPS), x) for i, x in enumerate(ell))),
                     (s_pos <= region * C_POS, s_neg <= region * C_NEG, *local(u, v)))


def identity_symbolic(region=1) -> Statement:
    """G-I and |u|, |v| ≤ ε ⇒ log G_i = ℓ_i, for any T: in G-I g_agg passes log s± through, and the unclipped fiber
    residual is ℓ_i − (log s⁺ − log s⁻) (eq 16), so their sum is ℓ_i."""
    x, s_pos, s_neg, _ = abstract_token()
    big_t = var("T", "positive integer")
    u, v = resid_u(x, s_pos, s_neg), resid_v(x, s_pos, s_neg)
    log_gate = gagg(s_pos, C_POS, big_t) - gagg(s_neg, C_NEG, big_t) + token_gated_residual(x, s_pos, s_neg, EPS)
    return Statement(sp.Eq(log_gate, x), (s_pos <= region * C_POS, s_neg <= region * C_NEG, sp.Abs(u) <= EPS,
                                          sp.Abs(v) <= EPS))


def sign_zero_conventions() -> Statement:
    """At ℓ_i = 0 the labels l = +1 and l = −1 give the same log r̃ (clip is odd), so sign(0) is immaterial."""
    _, s_pos, s_neg, _ = abstract_token()
    return Statement(sp.Eq(clip(-s_pos, EPS) - clip(-s_neg, EPS), clip(s_neg, EPS) - clip(s_pos, EPS)))


@derivation("FPO-1", controls={"denominator of eq 11 multiplied": {"opposite": 1},
                               "G-I widened to twice the budgets": {"region": 2}})
def check_fpo1(opposite: int = -1, region=1) -> list[Part]:
    """FPO-1: eq 11 = eq 16; unsaturated ⇒ log r̃ = ℓ − mean ℓ; L-I as defined on p. 14; G-I ⇒ G = r."""
    def unsat(u, v):
        return [sp.Abs(x) <= EPS for x in u + v]

    return [
        Part("FPO-1/eq16", "p. 12-13, eqs 11, 16",
             Family(lambda t: eq11_is_eq16(t, opposite), TOKEN_T, symbolic=eq11_is_eq16_symbolic(opposite),
                    symbolic_domain="per-token lemma: both forms read ℓ_i and the other tokens only through log s± "
                                    "≥ 0, free"),
             support=[sign_zero_conventions()]),
        Part("FPO-1/unsaturated", "p. 13, below eq 16",
             Family(lambda t: centred(t, unsat), TOKEN_T, symbolic=unsaturated_symbolic(),
                    symbolic_domain="per-token lemma with log s± ≥ 0 free and log s⁺ − log s⁻ = mean ℓ "
                                    "(FPO-9/identity, proved for every T)")),
        Part("FPO-1/L-I", "p. 14, regime L-I", role="remark",
             claim=Family(lambda t: centred(t, lambda u, v: [sp.Abs(x) < EPS for x in u], "nonzero"), TOKEN_T),
             condition=both_unclipped,
             note="L-I is defined by max |u_i| < ε alone; the 'no restriction' reading needs |v_i| ≤ ε as well."),
        Part("FPO-1/G-I", "p. 12 (G-I), p. 13 (with the ratio decoupling |u_i|, |v_i| ≤ ε stated there)",
             Family(lambda t: identity_under(t, unsat, "nonzero", region), TOKEN_T, symbolic=identity_symbolic(region),
                    symbolic_domain="per-token lemma: the token's gate reads the others only through log s± ≥ 0, "
                                    "free, and T enters only through g_agg")),
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
    return Statement(sp.Eq(sp.Derivative(sp.exp(f(sp.log(r))), r), sp.exp(f(sp.log(r))) / r * dlog, evaluate=False))


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
                                          sp.Le((big_t - 1) * sp.Abs(x), scale * EPS * big_t, evaluate=False)))


def identity_ball(big_t: int, scale=1) -> Statement:
    """On the ℓ∞ ball of radius min(C⁺, C⁻, εT/(T−1)) around on-policy, G = r exactly (so J = I at r = 1)."""
    ell = variables("ell", big_t)
    return Statement(sp.And(*(sp.Eq(log_fiberpo_gate(ell, i, C_POS, C_NEG, EPS), x) for i, x in enumerate(ell))),
                     identity_radius_hypotheses(ell, big_t, scale))


def identity_ball_token(scale=1) -> Statement:
    """The per-token lemma of the ball: ℓ_i and every other token (|ℓ_j| ≤ m) inside the ball, so the other tokens'
    channel sums satisfy R⁺ + R⁻ = Σ_{j≠i}|ℓ_j| ≤ (T − 1)m; then log G_i = ℓ_i."""
    x, big_t, s_pos, s_neg, rest, hyps = token_of_trajectory()
    m = var("m", "nonnegative")
    inside = [h for y in (x, m) for h in identity_radius_hypotheses([y], big_t, scale)]
    return Statement(sp.Eq(token_log_gate(x, s_pos, s_neg, big_t, C_POS, C_NEG, EPS), x),
                     (*hyps, *inside, rest[0] + rest[1] <= (big_t - 1) * m), engines=Z3_ONLY)


def on_policy_identity(big_t: int, gate=token_log_gate) -> Statement:
    """At r ≡ 1 (every ℓ_i = 0) log G_i = 0 = ℓ_i: G = r (Property 5.4)."""
    ell = variables("ell", big_t)
    return Statement(sp.And(*(sp.Eq(gate(x, *channel_means(ell), big_t, C_POS, C_NEG, EPS), x, evaluate=False)
                              for x in ell)), tuple(sp.Eq(x, 0) for x in ell))


def shifted_fiber_gate(x, s_pos, s_neg, big_t, c_pos, c_neg, eps):
    """A mutation: the opposite-channel clip of eq 16 read at l v − ε/2 (a wrong constant)."""
    u, v = resid_u(x, s_pos, s_neg), resid_v(x, s_pos, s_neg)
    return (gagg(s_pos, c_pos, big_t) - gagg(s_neg, c_neg, big_t) + clip(signed(x, u), eps)
            - clip(signed(x, v) - eps / 2, eps))


def on_policy_token(gate=token_log_gate) -> Statement:
    """The per-token lemma at r ≡ 1: ℓ_i = 0 and the other tokens' sums R± = 0 ⇒ log G_i = 0."""
    x, big_t, s_pos, s_neg, rest, hyps = token_of_trajectory()
    return Statement(sp.Eq(gate(x, s_pos, s_neg, big_t, C_POS, C_NEG, EPS), x, evaluate=False),
                     (*hyps, sp.Eq(x, 0), sp.Eq(rest[0], 0), sp.Eq(rest[1], 0)), engines=Z3_ONLY)


def outside_ball(rho, big_t, scale=1) -> sp.Boolean:
    """ρ' > scale·min(C⁺, C⁻, εT/(T − 1)), written linearly."""
    return sp.Or(rho > scale * C_POS, rho > scale * C_NEG, sp.Gt((big_t - 1) * rho, scale * EPS * big_t,
                                                                   evaluate=False))


def ball_is_largest(big_t: int, scale=1) -> Statement:
    """For every radius ρ' > min(C⁺, C⁻, εT/(T−1)) a point of the ρ'-ball has G ≠ r: (ρ',…,ρ'), (−ρ',…,−ρ') or
    (ρ', 0, …, 0)."""
    rho = var("rho", "positive")
    witnesses = [[rho] * big_t, [-rho] * big_t, [rho] + [sp.Integer(0)] * (big_t - 1)]
    moved = [sp.Or(*(sp.Ne(log_fiberpo_gate(w, i, C_POS, C_NEG, EPS), w[i]) for i in range(big_t))) for w in witnesses]
    return Statement(sp.Or(*moved), (outside_ball(rho, big_t, scale),))


def ball_is_largest_token(scale=1) -> Statement:
    """The three witnesses for symbolic T (a real ≥ 1): their first token's log s± are (ρ', 0), (0, ρ'), (ρ'/T, 0)."""
    rho, big_t = var("rho", "positive"), var("T", "positive")
    zero = sp.Integer(0)
    points = [(rho, rho, zero), (-rho, zero, rho), (rho, rho / big_t, zero)]
    moved = [sp.Ne(token_log_gate(x, sp_, sn, big_t, C_POS, C_NEG, EPS), x) for x, sp_, sn in points]
    return Statement(sp.Or(*moved), (big_t >= 1, outside_ball(rho, big_t, scale)), engines=Z3_ONLY)


PER_TOKEN = ("per-token lemma: a token's log G depends on the other tokens only through its trajectory's log s±, "
             "written as ([±ℓ_i]₊ + R±)/T with the other tokens' sums R± ≥ 0 free and T a real ≥ 1 (every integer T "
             "included)")


@derivation("FPO-4", controls={"radius doubled": {"scale": 2}, "radius halved": {"scale": sp.Rational(1, 2)},
                               "opposite-channel clip shifted by ε/2": {"gate": shifted_fiber_gate}})
def check_fpo4(scale=1, gate=token_log_gate) -> list[Part]:
    """FPO-4: G = r on the ball (hence J = I at r = 1, Prop 5.4) and on no larger ball."""
    return [
        Part("FPO-4/identity", "p. 17, Property 5.4",
             Family(lambda t: on_policy_identity(t, gate), TOKEN_T, symbolic=on_policy_token(gate),
                    symbolic_domain=PER_TOKEN + "; at r ≡ 1, ℓ_i = 0 and R± = 0"),
             support=[Family(identity_ball, TOKEN_T, symbolic=identity_ball_token(),
                             symbolic_domain=PER_TOKEN + "; inside the ball R⁺ + R⁻ ≤ (T − 1)m, m = max_{j≠i} |ℓ_j|")],
             note="J(G) = I at r = 1: G = r on the whole ball of radius min(C⁺, C⁻, εT/(T−1)) > 0 (the supporting "
                  "step, proved), an open neighbourhood of r = 1, so the derivative of G there is the identity's."),
        Part("FPO-4/identity-ball", "p. 10, Prop 5.4",
             Family(lambda t: identity_ball(t, max(scale, 1)), TOKEN_T, symbolic=identity_ball_token(max(scale, 1)),
                    symbolic_domain=PER_TOKEN + "; inside the ball R⁺ + R⁻ ≤ (T − 1)m, m = max_{j≠i} |ℓ_j|"),
             note="the ball contains a neighbourhood of r = 1, so J = I there (Prop 5.4)."),
        Part("FPO-4/largest", "p. 10, Prop 5.4 (extent)",
             Family(lambda t: ball_is_largest(t, min(scale, 1)), TOKEN_T,
                    symbolic=ball_is_largest_token(min(scale, 1)),
                    symbolic_domain="the three witnesses' first tokens, whose log s± are closed forms in ρ' and T "
                                    "(T a real ≥ 1, every integer T included)")),
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


def lipschitz_symbolic(k_scale=1) -> Statement:
    """The same for T a real ≥ 1 (every integer T included): g_agg has slopes 1, −T, 0 and no jumps."""
    x, y, big_t = var("x"), var("y"), var("T", "positive")
    return Statement(sp.Abs(gagg(x, C_POS, big_t * k_scale) - gagg(y, C_POS, big_t * k_scale))
                     <= big_t * sp.Abs(x - y), (big_t >= 1,), engines=Z3_ONLY)


def rollback_width() -> Statement:
    """The rollback region C < |x| < (1 + 1/T)C has width C/T."""
    big_t = var("T", "positive integer")
    return Statement(sp.Eq((1 + sp.Integer(1) / big_t) * C_POS - C_POS, C_POS / big_t))


def hard_clip_limit(big_t, limit=None) -> Statement:
    """'g_agg approaches a hard clip at ±C as T → ∞' (p. 11): every x > C lies past the rollback band once
    T(x − C) ≥ C, and there g_agg(x) = x·1[|x| ≤ C], the hard cut-off at C (with pass-through below it)."""
    x = var("x")
    limit = censoring if limit is None else limit
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
                               "limit read as a clamp at ±C": {"limit": clip}})
def check_fpo6(k_scale=1, limit=None) -> list[Part]:
    """FPO-6: continuity, rollback width C/T, the T → ∞ limit, restorative sign of g_agg (Sec. 5.1)."""
    adv = var("A", "nonzero")
    return [
        Part("FPO-6/continuity", "p. 8, eq 10",
             Family(lambda t: lipschitz(t, k_scale), 8, symbolic=lipschitz_symbolic(k_scale),
                    symbolic_domain="one statement over T as a real ≥ 1 (every integer T included)")),
        Part("FPO-6/width", "p. 8, below eq 10", rollback_width()),
        Part("FPO-6/hard-clip-limit", "p. 11, below Fig 2",
             Family(lambda t: hard_clip_limit(t, limit), 8, symbolic=hard_clip_limit(var("T", "positive integer"), limit),
                    symbolic_domain="one statement over every positive integer T"), role="remark",
             note="the limit is the hard cut-off x·1[|x| ≤ C] (pass-through, then 0), not a clamp at ±C."),
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


@derivation("FPO-8", controls={"second-order coefficient 1": {"second_order": sp.Integer(1)}})
def check_fpo8(second_order=sp.Rational(1, 2)) -> list[Part]:
    """FPO-8: e^{±ε} expansions; the asymmetry e^ε − 1 > 1 − e^{−ε}, which is how one log-space ε gives the asymmetric
    ratio bounds (ε⁻, ε⁺) of p. 12 (Sec. 5.2)."""
    return [Part("FPO-8/expansion", "p. 12, below eq 12", expansions(second_order)),
            Part("FPO-8/asymmetry", "p. 12, below eq 12", asymmetry())]


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


def expectation_search(lengths, prefix: str = "") -> Search:
    """E_τ[log s⁻ − log s⁺] ≥ 0 on every (π_old(stop), π(stop), length) of a grid (signs decided by SymPy exactly)."""
    probs = (sp.Rational(1, 4), sp.Rational(1, 2), sp.Rational(3, 4))
    cases = tuple((p, q, n) for p in probs for q in probs for n in lengths)
    return Search(prefix + "(π_old(stop), π(stop), length when not stopped) ∈ {1/4, 1/2, 3/4}² × {"
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
                 condition=expectation_search((1,), "the length does not depend on the sampled tokens: "),
                 note="the 1/T_τ weight depends on the sampled tokens when the length does.")]



# ---------------------------------------------------------------- FPO-3, FPO-7, FPO-10: structure, regimes, fiber pass


def own_means(own_sums, own_count, other_sums, other_count) -> tuple:
    """log s± of a token's trajectory: its own channel sums over its own length (eq 9)."""
    return own_sums[0] / own_count, own_sums[1] / own_count


def pooled_means(own_sums, own_count, other_sums, other_count) -> tuple:
    """A mutation: log s± pooled over the whole batch."""
    return tuple((a + b) / (own_count + other_count) for a, b in zip(own_sums, other_sums))


def channel_sums(ell) -> tuple:
    """(Σ[ℓ]₊, Σ[−ℓ]₊) of some tokens."""
    return sp.Add(*(pos(x) for x in ell)), sp.Add(*(pos(-x) for x in ell))


def block_diagonal(big_t: int, means=own_means) -> Statement:
    """Two trajectories of T tokens: changing the second one (a → b) leaves every log G_i of the first unchanged, so
    J_ij = 0 for τ_i ≠ τ_j (Prop 5.3)."""
    own, before, after = variables("ell", big_t), variables("a", big_t), variables("b", big_t)
    gates = [[token_log_gate(x, *means(channel_sums(own), big_t, channel_sums(other), big_t), big_t, C_POS, C_NEG,
                             EPS) for x in own] for other in (before, after)]
    return Statement(sp.And(*(sp.Eq(g, h, evaluate=False) for g, h in zip(*gates))))


def block_diagonal_token(means=own_means) -> Statement:
    """Every length and number of trajectories: token ℓ_i of its trajectory (ℓ_i, T, R±) and the rest of the batch
    as free channel sums P± ≥ 0 over U ≥ 1 tokens, then Q± over V ≥ 1 tokens: log G_i is the same."""
    x, big_t, _, _, rest, hyps = token_of_trajectory()
    own = (pos(x) + rest[0], pos(-x) + rest[1])
    others = [((var(f"{n}_+", "nonnegative"), var(f"{n}_-", "nonnegative")), var(c, "positive")) for n, c in
              (("P", "U"), ("Q", "V"))]
    gates = [token_log_gate(x, *means(own, big_t, sums, count), big_t, C_POS, C_NEG, EPS) for sums, count in others]
    return Statement(sp.Eq(*gates, evaluate=False), (*hyps, others[0][1] >= 1, others[1][1] >= 1), engines=Z3_ONLY)


@derivation("FPO-3", controls={"log s± pooled over the batch": {"means": pooled_means}})
def check_fpo3(means=own_means) -> list[Part]:
    """FPO-3 (Prop 5.3): the Jacobian is block-diagonal over trajectories."""
    return [Part("FPO-3/block-diagonal", "p. 10, Prop 5.3",
                 Family(lambda t: block_diagonal(t, means), 2, symbolic=block_diagonal_token(means),
                        symbolic_domain=PER_TOKEN + "; the rest of the batch enters only as free channel sums and "
                                        "token counts, so every number and length of trajectories is covered"),
                 note="a quantity unchanged by every change of ℓ_j has ∂/∂ℓ_j = 0 wherever it is differentiable.")]


def base_log_weight(x, y, k, zeroing: bool = True) -> sp.Expr:
    """log w = g_agg(log s⁺, C⁺, k) − g_agg(log s⁻, C⁻, k) (eq 8); zeroing=False keeps rolling back (a mutation)."""
    if zeroing:
        return gagg(x, C_POS, k) - gagg(y, C_NEG, k)
    rollback = lambda a, c: sp.Piecewise((a, a <= c), ((k + 1) * c - k * a, True))  # noqa: E731  (a ≥ 0 here)
    return rollback(x, C_POS) - rollback(y, C_NEG)


def global_regime(regime: str, zeroing: bool = True, budget=1):
    """G-I (both aggregates within budget) ⇒ log w = log s⁺ − log s⁻; G-III (both zeroed) ⇒ log w = 0 (p. 12); for
    k an integer (`build(k)`) or a real ≥ 1 (`build(None)`)."""

    def build(k) -> Statement:
        x, y = var("x", "nonnegative"), var("y", "nonnegative")
        big_k = var("k", "positive") if k is None else sp.Integer(k)
        extra = (big_k >= 1,) if k is None else ()
        if regime == "G-I":
            return Statement(sp.Eq(base_log_weight(x, y, big_k, zeroing), x - y),
                             (*extra, x <= budget * C_POS, y <= budget * C_NEG), engines=Z3_ONLY)
        return Statement(sp.Eq(base_log_weight(x, y, big_k, zeroing), 0),
                         (*extra, x >= (1 + 1 / big_k) * C_POS, y >= (1 + 1 / big_k) * C_NEG), engines=Z3_ONLY)

    return build


FIG2B = exact_regimes.FIG2B
FIG2B_PLANE = f"Fig 2b's plane (C⁺ = {FIG2B['c_pos']}, C⁻ = {FIG2B['c_neg']}, k = {FIG2B['k']})"


def five_regimes() -> Search:
    """Each of the five global regimes of §5.1 has a point of Fig 2b's plane (exact witnesses)."""
    witnesses = exact_regimes.regime_witnesses(**FIG2B)
    return Search(f"the five global regimes of {FIG2B_PLANE}", tuple((r,) for r in exact_regimes.REGIMES),
                  lambda regime: regime in witnesses,
                  lambda regime: f"no point of {regime} on the grid of multiples of min(C±)/(4k)")


def rise_peak_decline(zeroing: bool = True, ordered_only: bool = False) -> Search:
    """|log w| rises through G-II,r, peaks in G-II, declines through G-III,r and is 0 in G-III along every ray of
    Fig 2b's plane (every breakpoint, zero crossing and piece, exactly); `ordered_only`: the rays on which the
    channel with the smaller aggregate is zeroed before the other reaches its budget (the order of Fig 2b's
    diagonal)."""
    rays = sorted({exact_regimes.reduced(d) for d in exact_regimes.ray_family()},
                  key=lambda d: (0 in d, max(d), d))  # rays off the axes first: a failure there is the telling one
    if ordered_only:
        rays = [d for d in rays if exact_regimes.smaller_channel_gated_first(d, **FIG2B)]
    profile = lambda d: exact_regimes.ray_profile(d, **FIG2B, zeroing=zeroing)  # noqa: E731
    family = (f"the {len(rays)} rays of {FIG2B_PLANE}" + (" on which the channel with the smaller aggregate is "
              "zeroed before the other reaches its budget" if ordered_only else " in directions (12, m), (m, 12)")
              + ("" if zeroing else " (g_agg without zeroing)"))
    return Search(family, tuple((d,) for d in rays), lambda d: not exact_regimes.pattern_violation(profile(d)),
                  lambda d: f"ray ρ{d}: {exact_regimes.pattern_violation(profile(d))}")


@derivation("FPO-7", controls={"g_agg without zeroing": {"zeroing": False},
                               "G-I read up to twice the budgets": {"budget": 2}})
def check_fpo7(zeroing: bool = True, budget=1) -> list[Part]:
    """FPO-7: the G-I and G-III identities of the base weight, the five regimes and the |log w| pattern (§5.1)."""
    return [*(Part(f"FPO-7/{regime}", "p. 12, §5.1",
                   Family(global_regime(regime, zeroing, budget), 4,
                          symbolic=global_regime(regime, zeroing, budget)(None), index="k",
                          symbolic_domain="log s± are free aggregates in the regime, and k enters as a real ≥ 1 "
                                          "(every integer k included): one statement for every T and k"))
              for regime in ("G-I", "G-III")),
            Part("FPO-7/five-regimes", "p. 12, §5.1; Fig 2b", five_regimes()),
            Part("FPO-7/rise-peak-decline", "p. 12, §5.1; Fig 2b", rise_peak_decline(zeroing),
                 condition=rise_peak_decline(zeroing, ordered_only=True))]


def fiber_pass(big_t: int, width=1) -> Statement:
    """|u_i| ≤ ε ⇒ clip(l_i u_i, ±ε) = l_i u_i for every token, whatever log s± (eqs 14, 16; p. 14)."""
    ell = variables("ell", big_t)
    u, _ = fiber_residuals(ell)
    return Statement(sp.And(*(sp.Implies(sp.Abs(ui) <= EPS, sp.Eq(clip(signed(x, ui), width * EPS), signed(x, ui)))
                              for x, ui in zip(ell, u))))


def fiber_pass_token(width=1) -> Statement:
    """The per-token lemma: the same for a token ℓ_i with log s± its trajectory's, for every T."""
    x, big_t, s_pos, s_neg, _, hyps = token_of_trajectory()
    u = resid_u(x, s_pos, s_neg)
    return Statement(sp.Eq(clip(signed(x, u), width * EPS), signed(x, u)), (*hyps, sp.Abs(u) <= EPS),
                     engines=Z3_ONLY)


def tracking_token(x, s_pos, s_neg, margin) -> tuple:
    """p. 13's case for one token ℓ_i = x: within ε of its same-sign mean (|u_i| ≤ ε), and that mean past margin·ε."""
    return sp.Abs(resid_u(x, s_pos, s_neg)) <= EPS, same_mean(x, s_pos, s_neg) > margin * EPS


def tracking_case(ell, margin) -> list:
    """p. 13's case for every token of the trajectory ℓ."""
    s_pos, s_neg = channel_means(ell)
    return [h for x in ell for h in tracking_token(x, s_pos, s_neg, margin)]


def clip_majority(big_t: int, margin=1) -> Statement:
    """In p. 13's case PPO/GRPO (clipping log r_i at ±ε) clip more than half of the T tokens: #{i: |ℓ_i| > ε} > T/2."""
    ell = variables("ell", big_t)
    return Statement(sp.Gt(count_past(EPS, *ell), sp.Rational(big_t, 2)), tracking_case(ell, margin), engines=Z3_ONLY)


def clip_majority_token(margin=1) -> Statement:
    """The per-token lemma: |u_i| ≤ ε and log s^(l_i) > margin·ε ⇒ |ℓ_i| > ε (then every token is clipped)."""
    x, big_t, s_pos, s_neg, _, hyps = token_of_trajectory()
    return Statement(sp.Abs(x) > EPS, (*hyps, *tracking_token(x, s_pos, s_neg, margin)), engines=Z3_ONLY)


@derivation("FPO-10", controls={"fiber clip at ±ε/2": {"width": sp.Rational(1, 2)}},
            positives={"drift past 2ε": {"margin": 2}})
def check_fpo10(width=1, margin=1) -> list[Part]:
    """FPO-10: a token within ε of its same-sign trajectory mean passes the fiber gate unattenuated, while PPO/GRPO
    clip it when the drift is large (§5.2)."""
    return [Part("FPO-10/fiber-pass", "p. 14, §5.2",
                 Family(lambda t: fiber_pass(t, width), 4, symbolic=fiber_pass_token(width),
                        symbolic_domain=PER_TOKEN)),
            Part("FPO-10/ppo-majority", "p. 13, §5.2",
                 Family(lambda t: clip_majority(t, margin), 6, symbolic=clip_majority_token(margin),
                        symbolic_domain="per-token lemma with the other tokens' sums R± ≥ 0 free and T a real ≥ 1 "
                                        "(every integer T included): every token is past ±ε, so all T are clipped"),
                 condition=lambda t: tracking_case(variables("ell", t), 2 * margin))]

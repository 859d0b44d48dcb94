"""FiberPO: gated residual forms, Jacobian (eq 20), identity neighbourhood, g_agg, logclip, reverse KL (Sec. 5)."""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import sympy as sp

from . import der
from ._core import Derivation, Step, fiber_log_gate, fmt, grid, identity_step, is_zero, search_step

TITLE = "FiberPO gate (Sec. 5)"
EPS = sp.Symbol("epsilon", positive=True)
TOKENS = 3


def sym_clip(x: sp.Expr) -> sp.Expr:
    """clip(x, ±ε) as a SymPy expression."""
    return sp.Min(sp.Max(x, -EPS), EPS)


def odd_on_both_regions(f: Callable[[sp.Expr], sp.Expr]) -> bool:
    """f(−a) = −f(a) for a > 0 on both sides of ε (a = ε/(1+h) and a = ε + h)."""
    h = sp.Symbol("h", positive=True)
    return all(is_zero(f(-a) + f(a)) for a in (EPS / (1 + h), EPS + h))


def check_fpo1(v_sign: int = 1) -> Derivation:
    """FPO-1: eq 11 = eq 16; unsaturated ⇒ log r̃ = ℓ − mean ℓ; G-I ∧ L-I ⇒ G = r; sign(0) irrelevant; R∘G∘F = eq 7."""
    d = Derivation("FPO-1", "The eq 11 and eq 16 forms of the gated residual agree; unsaturated ⇒ log r̃ = ℓ − mean ℓ; "
                   "G-I ⇒ G = r.", "eqs 7, 11, 14–16, E.5.4–E.5.5")
    ell, x_pos, x_neg = sp.symbols("ell x_+ x_-", real=True)
    clip = sp.Function("clip")
    ok = True
    for l, x_same, x_opp in ((1, x_pos, x_neg), (-1, x_neg, x_pos)):
        eq11 = clip(sp.expand_log(sp.log(sp.exp(-l * x_same) * sp.exp(ell)), force=True)) - clip(-l * x_opp)
        u, v = l * ell - x_same, -x_opp
        eq16 = clip(sp.expand(l * u)) - clip(sp.expand(v_sign * l * v))
        ok &= is_zero(eq11 - eq16)
    d.add(Step("log of eq 11 (logclip((s^l)^(−l) r)/logclip((s^(−l))^(−l))) = clip(l u) − clip(l v) (eq 16), l = ±1", ok,
               latex=r"\log\tilde r_i = \mathrm{clip}(l_iu_i,\pm\epsilon) - \mathrm{clip}(l_iv_i,\pm\epsilon)"))
    mags = sp.symbols("a1:4", positive=True)
    ok_center, ok_identity = True, True
    for signs in grid((1, -1), TOKENS):
        ells = [s * a for s, a in zip(signs, mags)]
        pos = sum(a for s, a in zip(signs, mags) if s > 0) / TOKENS
        neg = sum(a for s, a in zip(signs, mags) if s < 0) / TOKENS
        l0 = signs[0]
        same, opp = (pos, neg) if l0 > 0 else (neg, pos)
        log_residual = l0 * ((l0 * ells[0] - same) - v_sign * (-opp))  # l(u − v), unsaturated
        ok_center &= is_zero(log_residual - (ells[0] - sum(ells) / TOKENS))
        ok_identity &= is_zero((pos - neg) + log_residual - ells[0])  # G-I: log w = log s+ − log s−
    d.add(Step("unsaturated: log r̃_i = l(u − v) = ℓ_i − mean ℓ (every sign pattern, T = 3)", ok_center))
    d.add(Step("G-I and L-I: log G_i = (log s+ − log s−) + ℓ_i − mean ℓ = ℓ_i, so G = r", ok_identity))
    example = (Fraction(1, 2), Fraction(1, 100))
    log_g = fiber_log_gate(example, Fraction(1), Fraction(1), Fraction(1, 20))
    d.add(Step("G-I alone ⇒ G = r", list(log_g) == list(example), on_failure="holds-with-conditions",
               evidence=f"C± = 1, ε = 1/20, ℓ = {fmt(example)} (G-I): log G = {fmt(log_g)} ≠ ℓ; needs L-I as well"))
    x_p, x_n = sp.symbols("x_p x_n", positive=True)
    d.add(Step("sign(0) convention: at ℓ_i = 0, l = +1 gives clip(−log s+) − clip(−log s−) and l = −1 gives "
               "clip(log s−) − clip(log s+); equal because clip is odd", odd_on_both_regions(sym_clip),
               latex=rf"{sp.latex(sym_clip(-x_p) - sym_clip(-x_n))} = {sp.latex(sym_clip(x_n) - sym_clip(x_p))}"))
    cases = [(ell_, cp, cn, e) for ell_ in der.trajectories((2, 3)) for cp, cn in der.BUDGETS for e in der.EPSILONS]
    d.add(search_step("R ∘ G ∘ F with App. E.5.4's F, K, R, gates equals eq 7 (E.5.5)", cases,
                      lambda ell_, cp, cn, e: der.paper_recovery(ell_, der.fbg_components(ell_, cp, cn, e))
                      == fiber_log_gate(ell_, cp, cn, e), role="crosscheck"))
    d.summary = "symbolic for every sign pattern; G = r needs both G-I and L-I."
    return d


def paper_slopes(big_t: int) -> dict:
    """γ per base regime in eq 20: 1 (pass-through), −T (rollback), 0 (zeroed)."""
    return {"P": 1, "R": -big_t, "Z": 0}


def gate_branch(regime: str, x: sp.Expr, c: sp.Expr, k: int) -> sp.Expr:
    """The branch of g_agg for x ≥ 0 (eq 10)."""
    return {"P": x, "R": (k + 1) * c - k * x, "Z": sp.Integer(0)}[regime]


def regime_rows(slopes: Callable[[int], dict] = paper_slopes):
    """For every sign pattern, base regime pair and fiber saturation of token 0: (description, row ok, bracket)."""
    mags = sp.symbols(f"a0:{TOKENS}", positive=True)
    c_pos, c_neg = sp.symbols("C_+ C_-", positive=True)
    for signs in grid((1, -1), TOKENS):
        ells = [s * a for s, a in zip(signs, mags)]
        pos = sum(a for s, a in zip(signs, mags) if s > 0) / TOKENS
        neg = sum(a for s, a in zip(signs, mags) if s < 0) / TOKENS
        pos_regimes = "PRZ" if 1 in signs else "P"
        neg_regimes = "PRZ" if -1 in signs else "P"
        l0 = signs[0]
        same, opp = (pos, neg) if l0 > 0 else (neg, pos)
        for rp in pos_regimes:
            for rn in neg_regimes:
                base = gate_branch(rp, pos, c_pos, TOKENS) - gate_branch(rn, neg, c_neg, TOKENS)
                for u_free in (True, False):
                    for v_free in (True, False):
                        lu = ells[0] - l0 * same if u_free else EPS
                        lv = -l0 * opp if v_free else EPS
                        log_g = base + lu - lv
                        gamma = slopes(TOKENS)
                        ok = True
                        for j in range(TOKENS):
                            derivative = signs[j] * sp.diff(log_g, mags[j])  # ∂/∂ℓ_j = s_j ∂/∂a_j
                            same_sign = signs[j] == l0
                            bracket = (int(u_free) * int(j == 0) + sp.Rational(1, TOKENS) * (
                                gamma[rp if signs[j] > 0 else rn] - int(u_free) * int(same_sign)
                                - int(v_free) * (1 - int(same_sign))))
                            ok &= sp.expand(derivative - bracket) == 0
                        yield f"signs {signs}, base ({rp},{rn}), u {'free' if u_free else 'sat'}, " \
                              f"v {'free' if v_free else 'sat'}", ok


def check_fpo2(slopes: Callable[[int], dict] = paper_slopes) -> Derivation:
    """FPO-2: ∂log G_i/∂ℓ_j from SymPy in every regime equals the bracket of eq 20; J = (G_i/r_j)·bracket."""
    d = Derivation("FPO-2", "J_ij = (G_i/r_j)·1[τ_i=τ_j](1[|u_i|≤ε]1[i=j] + (1/T)(γ^(l_j) − 1[|u_i|≤ε]1[l_i=l_j] − "
                   "1[|v_i|≤ε](1 − 1[l_i=l_j]))) in every regime.", "Prop 5.2, eq 20")
    r, y, f = sp.Symbol("r", positive=True), sp.Symbol("y"), sp.Function("logG")
    dlog = sp.diff(f(y), y).subs(y, sp.log(r))
    d.add(Step("chain rule: ∂G/∂r = (G/r)·∂log G/∂log r",
               is_zero(sp.diff(sp.exp(f(sp.log(r))), r) - sp.exp(f(sp.log(r))) / r * dlog), role="support"))
    rows = list(regime_rows(slopes))
    bad = [desc for desc, ok in rows if not ok]
    d.add(Step(f"SymPy ∂log G_0/∂ℓ_j equals eq 20's bracket for all {len(rows)} regime combinations "
               f"(T = {TOKENS}, all sign patterns, base P/R/Z per channel, u and v free or saturated)", not bad,
               evidence=f"mismatch in {len(bad)} regimes, first: {bad[0]}" if bad else f"{len(rows)} regimes"))
    a_u, gam = sp.symbols("T gamma", positive=True)
    paper_l3 = gam / a_u
    eq20_l3 = (gam - 1) / a_u  # u saturated, v free, l_i ≠ l_j
    d.add(Step("L-III (all |u_i| ≥ ε): the Jacobian reduces to (G/r)(1/T)γ^(l_j) (Sec. 5.2)",
               is_zero(paper_l3 - eq20_l3), on_failure="holds-with-conditions",
               evidence=f"for l_j ≠ l_i with |v_i| < ε eq 20 gives {eq20_l3}, not {paper_l3}; exact only when v is saturated"))
    d.summary = "eq 20 re-derived branch by branch with sympy.diff; the L-III shortcut drops the −1[|v|≤ε] term."
    return d


def identity_radius(big_t: int, c_pos: Fraction, c_neg: Fraction, eps: Fraction) -> Fraction:
    """Largest ℓ∞ ball around on-policy on which G = r exactly: min(C+, C−, εT/(T − 1))."""
    return min(c_pos, c_neg) if big_t == 1 else min(c_pos, c_neg, eps * big_t / (big_t - 1))


def check_fpo4(radius: Callable = identity_radius) -> Derivation:
    """FPO-4: J = I at r = 1 (Prop 5.4) and the exact neighbourhood where G ≡ r."""
    d = Derivation("FPO-4", "At r = 1 the Jacobian is the identity; G is exactly the identity on the ℓ∞ ball of "
                   "radius min(C+, C−, εT/(T−1)) and on no larger ball.", "Prop 5.4")
    rows = {desc: ok for desc, ok in regime_rows()}
    d.add(Step("eq 20 at base (P, P), u and v free, γ = 1: bracket = 1[i=j] + (1 − 1[l_i=l_j] − (1 − 1[l_i=l_j]))/T = 1[i=j]",
               all(ok for desc, ok in rows.items() if "(P,P), u free, v free" in desc)
               and is_zero(sp.Integer(1) - 1 - (1 - 1))))
    c_pos, c_neg, eps = Fraction(1, 5), Fraction(1, 10), Fraction(1, 20)
    inside_ok, outside_ok, report = True, True, []
    for big_t in (1, 2, 3):
        rho = radius(big_t, c_pos, c_neg, eps)
        pts = [rho * Fraction(k, 4) for k in range(-4, 5)]
        inside_ok &= all(fiber_log_gate(e, c_pos, c_neg, eps) == list(e) for e in grid(pts, big_t))
        bigger = rho + Fraction(1, 1000)
        tiny = Fraction(1, 10**6)
        probes = [(bigger,) * big_t, (-bigger,) * big_t, (bigger,) + (-tiny,) * (big_t - 1),
                  (-bigger,) + (tiny,) * (big_t - 1), (tiny,) + (-bigger,) * (big_t - 1)]
        outside_ok &= any(fiber_log_gate(e, c_pos, c_neg, eps) != list(e) for e in probes)
        report.append(f"T = {big_t}: ρ = {rho}")
    d.add(Step("G = r exactly on the ℓ∞ ball (every grid point, T = 1, 2, 3; C+ = 1/5, C− = 1/10, ε = 1/20)", inside_ok,
               method="exhaustive", evidence="; ".join(report)))
    d.add(Step("the ball is the largest: a point at radius ρ + 1/1000 has G ≠ r", outside_ok, method="exhaustive"))
    d.summary = "identity at on-policy from eq 20; exact identity region computed with exact rationals."
    return d


def check_fpo5(slopes: Callable[[int], dict] = paper_slopes) -> Derivation:
    """FPO-5: term (a) is O(1); term (b) of eq 20 is O(1/T) in every base regime (Prop 5.5)."""
    d = Derivation("FPO-5", "In eq 20 the local term (a) is O(1) and the coupling term (b) is O(1/T).", "Prop 5.5")
    big_t = sp.Symbol("T", positive=True, integer=True)
    d.add(Step("term (a) = 1[|u|≤ε]1[i=j] ∈ {0, 1}", {iu * same for iu in (0, 1) for same in (0, 1)} <= {0, 1},
               role="support"))
    report, ok = [], True
    for regime in "PRZ":
        gamma = slopes(big_t)[regime]
        values = {sp.expand(gamma - iu * same - iv * (1 - same)) for iu in (0, 1) for iv in (0, 1) for same in (0, 1)}
        bounded = all(not v.has(big_t) for v in values)
        ok &= bounded
        report.append(f"{regime}: T·(b) ∈ {sorted(map(str, values))}")
    d.add(Step("T·(b) is bounded independently of T in every base regime (P, R, Z)", ok, on_failure="holds-with-conditions",
               evidence="; ".join(report) + " — in rollback (b) = −1 − O(1/T) is O(1)"))
    d.summary = "(b) is O(1/T) in pass-through and zeroed regimes only."
    return d


def g_agg_sym(x: sp.Expr, c: sp.Expr, k: sp.Expr, rollback: Callable) -> sp.Expr:
    """g_agg for x ≥ 0 as a Piecewise, with a replaceable rollback branch (eq 10)."""
    return sp.Piecewise((x, x <= c), (rollback(x, c, k), x < (1 + 1 / k) * c), (0, True))


def paper_rollback(x: sp.Expr, c: sp.Expr, k: sp.Expr) -> sp.Expr:
    """sign(x)(k + 1)C − k x for x > 0 (eq 10)."""
    return (k + 1) * c - k * x


def check_fpo6(rollback: Callable = paper_rollback) -> Derivation:
    """FPO-6: continuity, regimes, width C/k, T → ∞ limit, restorative sign of g_agg (Sec. 5.1)."""
    d = Derivation("FPO-6", "g_agg is continuous and piecewise linear; rollback width C/T; g_agg → hard clip at ±C as "
                   "T → ∞; the rollback gradient is restorative.", "Sec. 5.1, eq 10, Fig 2a")
    x, c, k, h = sp.symbols("x C k h", positive=True)
    c_star = (1 + 1 / k) * c
    d.add(identity_step("continuity at |x| = C: rollback(C) = C", rollback(c, c, k), c))
    d.add(identity_step("continuity at |x| = C* = (1 + 1/k)C: rollback(C*) = 0", rollback(c_star, c, k), sp.Integer(0)))
    d.add(identity_step("rollback width C* − C = C/k", c_star - c, c / k))
    d.add(Step("odd symmetry: sign(x)(k+1)C − kx at −x equals minus its value at x",
               is_zero(((-1) * (k + 1) * c - k * (-x)) + rollback(x, c, k)), role="crosscheck"))
    slope = sp.diff(rollback(x, c, k), x)
    d.add(Step("rollback slope is −k < 0", is_zero(slope + k)))
    g = g_agg_sym(x, c, k, rollback)
    below, above = g.subs(x, c / (1 + h)), g.subs(x, c * (1 + h))
    lim_below = sp.limit(below, k, sp.oo)
    lim_above = sp.limit(above.subs(k, 2 / h + sp.Symbol("m", positive=True)), sp.Symbol("m", positive=True), sp.oo)
    hard_clip_above = c
    d.add(Step("as k → ∞, g_agg → hard clip clip(x, ±C)", is_zero(lim_below - c / (1 + h)) and is_zero(lim_above - hard_clip_above),
               on_failure="holds-with-conditions",
               evidence=f"limit for |x| < C: x; for |x| > C: {lim_above} (censoring x·1[|x|≤C]), while clip gives C"))
    adv_signs, findings = (1, -1), []
    for channel, sign_in_log_w in (("+", 1), ("−", -1)):
        for a in adv_signs:
            ascent = sign_in_log_w * a * slope  # ∂(Â w)/∂ log s^(l) ∝ ±Â g'
            restorative = bool(sp.simplify(ascent).is_negative)
            if not restorative:
                findings.append(f"channel {channel}, Â {'>' if a > 0 else '<'} 0")
    d.add(Step("in rollback, gradient ascent on Â·w pushes the drifting aggregate back toward on-policy", not findings,
               on_failure="holds-with-conditions",
               evidence="anti-restorative for " + "; ".join(findings) + " (restorative only when the channel sign matches sign Â)"
               if findings else ""))
    d.summary = "continuity, width and slope proved; the T → ∞ limit censors rather than clips; restoration depends on sign Â."
    return d


def check_fpo8(second_order: sp.Expr = sp.Rational(1, 2)) -> Derivation:
    """FPO-8: e^{±ε} = 1 ± ε + ε²/2 + O(ε³); e^ε − 1 > 1 − e^{−ε} (Sec. 5.2)."""
    d = Derivation("FPO-8", "logclip bounds e^{±ε} ≈ 1 ± ε + ε²/2: the upper bound is further from 1 than the lower; "
                   "this subsumes asymmetric PPO/GRPO clip bounds.", "Sec. 5.2, eq 12")
    for sign in (1, -1):
        d.add(identity_step(f"e^({'+' if sign > 0 else '−'}ε) to second order", sp.series(sp.exp(sign * EPS), EPS, 0, 3).removeO(),
                            1 + sign * EPS + second_order * EPS**2, method="approximate"))
    gap = (sp.exp(EPS) - 1) - (1 - sp.exp(-EPS))
    d.add(identity_step("(e^ε − 1) − (1 − e^(−ε)) = 4 sinh²(ε/2) > 0", gap.rewrite(sp.exp), (4 * sp.sinh(EPS / 2) ** 2).rewrite(sp.exp)))
    low, high = sp.Rational(1, 5), sp.Rational(7, 25)
    matched_eps = -sp.log(1 - low)
    reached = sp.simplify(sp.exp(matched_eps) - 1)
    d.add(Step(f"one ε reproduces DAPO's (ε_low, ε_high) = ({low}, {high})", reached == high, on_failure="approximate",
               evidence=f"matching 1 − e^(−ε) = {low} gives e^ε − 1 = {reached}; the built-in asymmetry is only ≈ ε²"))
    d.summary = "expansion and asymmetry proved; the asymmetry is second order, so 'subsumes' is approximate."
    return d


def check_fpo9(lengths: tuple = (1, 2, 5, 10)) -> Derivation:
    """FPO-9: log s− − log s+ = −mean ℓ; its expectation is ≥ 0 (App. E.5.4)."""
    d = Derivation("FPO-9", "log s⁻ − log s⁺ = −(1/T)Σ log r is a reverse-KL estimate, nonnegative in expectation.",
                   "App. E.5.4")
    mags = sp.symbols("a1:4", positive=True)
    ok = True
    for signs in grid((1, -1), TOKENS):
        pos = sum(a for s, a in zip(signs, mags) if s > 0) / TOKENS
        neg = sum(a for s, a in zip(signs, mags) if s < 0) / TOKENS
        ok &= is_zero(neg - pos + sum(s * a for s, a in zip(signs, mags)) / TOKENS)
    d.add(Step("log s⁻ − log s⁺ = −mean ℓ (every sign pattern, T = 3)", ok))
    p, q = sp.symbols("p q", positive=True)
    d.add(identity_step("fixed length: E_{a∼π_old}[−log r] = Σ p log(p/q) = KL(π_old‖π) ≥ 0 (Gibbs, TRPO-1)",
                        sp.expand_log(p * -sp.log(q / p) + (1 - p) * -sp.log((1 - q) / (1 - p)), force=True),
                        sp.expand_log(p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q)), force=True)))
    probs = [sp.Rational(1, 4), sp.Rational(1, 2), sp.Rational(3, 4)]

    def expectation(p_, q_, big_l):
        """First token stops (T = 1) w.p. p under π_old or continues with big_l − 1 tokens of ratio 1 (T = big_l)."""
        return p_ * sp.log(p_ / q_) + (1 - p_) / big_l * sp.log((1 - p_) / (1 - q_))

    def nonnegative(p_, q_, big_l):
        return sp.N(expectation(p_, q_, big_l), 30) >= 0

    d.add(search_step("E_τ[log s⁻ − log s⁺] ≥ 0 when the length T_τ depends on the sampled tokens "
                      "(case = (π_old(stop), π(stop), length if not stopped))", (
        (p_, q_, big_l) for p_ in probs for q_ in probs for big_l in lengths), nonnegative,
        describe=lambda *c: f"E = {expectation(*c)} = {sp.N(expectation(*c), 6)} < 0"))
    d.summary = ("exact identity; ≥ 0 holds for fixed lengths, fails when the 1/T_τ weight depends on the actions "
                 "(the same counterexample breaks eq 50, E_τ[D̂^(τ)] = D̄^(tj), for action-dependent lengths).")
    return d


CHECKS = (check_fpo1, check_fpo2, check_fpo4, check_fpo5, check_fpo6, check_fpo8, check_fpo9)

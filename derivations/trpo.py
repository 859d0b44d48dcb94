"""TRPO at gamma = 1: surrogate-gap penalty, the TV-TRPO maximizer and radius, the TV estimator (Sec. 2, App. B, D)."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ._core import Derivation, Step, fmt, grid, identity_step, is_zero, rationals, search_step

TITLE = "TRPO at gamma = 1"
g, A, M, t, T = sp.symbols("gamma A M t T", positive=True)
PENALTY = 4 * g * A / (1 - g) ** 2  # eq 1 / eq 55 coefficient
RADIUS = (1 - g) / (8 * g)  # delta_TRPO, eq 76


def _nonnegative_on_unit_interval(expr: sp.Expr) -> bool:
    """expr(gamma, m) >= 0 for gamma in (0, 1], m in [0, 1], via gamma = 1/(1+a), m = 1/(1+b), a, b >= 0."""
    a, b = sp.symbols("a b", nonnegative=True)
    return bool(sp.factor(sp.simplify(expr.subs({g: 1 / (1 + a), M: A / (1 + b)}))).is_nonnegative)


def _negative_for_gamma_below_one(expr: sp.Expr) -> bool:
    """expr < 0 for every gamma in (0, 1), via gamma = 1/(1+a), a > 0."""
    a = sp.symbols("a", positive=True)
    return bool(sp.simplify(expr.subs(g, 1 / (1 + a))).is_negative)


def maximizer(penalty: sp.Expr = PENALTY) -> sp.Expr:
    """argmax_t of t M/(1-gamma) - penalty t^2, the reduced TV-TRPO objective on the equalised ray (eq 68, Thm D.3)."""
    j = t * M / (1 - g) - penalty * t**2
    return sp.solve(sp.diff(j, t), t)[0]


def check_trpo1(penalty: sp.Expr = PENALTY, radius: sp.Expr = RADIUS) -> Derivation:
    """TRPO-1: penalty diverges, radius (1-gamma)/(8 gamma) -> 0 as gamma -> 1, TV and KL regions collapse."""
    d = Derivation("TRPO-1", "The penalty 4γ‖A‖/(1−γ)² diverges and the radius δ_TRPO = (1−γ)/(8γ) → 0 as γ → 1; "
                   "at γ = 1 the TV and KL trust regions are {π_old}.", "eq 1, Lemma B.2, Thm 2.1")
    d.add(Step("penalty coefficient diverges as γ → 1⁻", sp.limit(penalty, g, 1, "-") == sp.oo,
               latex=rf"\lim_{{\gamma\to1^-}} {sp.latex(penalty)} = \infty"))
    t_star = maximizer(penalty)
    curvature = sp.diff(t * M / (1 - g) - penalty * t**2, t, 2)
    d.add(Step("the reduced TV-TRPO objective is concave in t", _negative_for_gamma_below_one(curvature),
               role="support"))
    bound = sp.simplify(t_star.subs(M, A))
    d.add(identity_step("radius = largest maximizer t* over M ≤ ‖A‖ (M = ‖A‖)", bound, radius))
    d.add(Step("δ_TRPO → 0 as γ → 1 and δ_TRPO = 0 at γ = 1",
               sp.limit(radius, g, 1, "-") == 0 and radius.subs(g, 1) == 0,
               latex=rf"\lim_{{\gamma\to1^-}} {sp.latex(radius)} = 0"))
    x = sp.symbols("x", positive=True)
    f = x - 1 - sp.log(x)
    d.add(Step("log x ≤ x − 1 with equality only at x = 1 (f(1) = 0, f'(1) = 0, f'' = 1/x² > 0)",
               f.subs(x, 1) == 0 and sp.diff(f, x).subs(x, 1) == 0 and bool(sp.diff(f, x, 2).is_positive),
               latex=rf"f(x) = {sp.latex(f)} \ge 0", role="support"))
    p = sp.symbols("p1:4", positive=True)
    q = sp.symbols("q1:4", positive=True)
    kl = sum(pi * sp.log(pi / qi) for pi, qi in zip(p, q))
    gibbs = sum(pi * f.subs(x, qi / pi) for pi, qi in zip(p, q))
    on_simplex = {p[2]: 1 - p[0] - p[1], q[2]: 1 - q[0] - q[1]}
    d.add(Step("KL(p‖q) = Σ p f(q/p) on the simplex, so KL ≥ 0 with equality iff p = q: the KL region of radius 0 is {π_old}",
               is_zero(sp.expand_log((kl - gibbs).subs(on_simplex), force=True)),
               latex=r"\mathrm{KL}(p\|q) = \sum_a p_a f(q_a/p_a)"))
    d.summary = f"t* = {t_star}; δ_TRPO = {radius} → 0 as γ → 1 (SymPy limits); KL region collapses (Gibbs)."
    return d


def check_trpo2(penalty: sp.Expr = PENALTY) -> Derivation:
    """TRPO-2: Thm D.3, Δ* = t* Δ̂* with t* = (1-gamma) M / (8 gamma ‖A‖), per-state TV equalised."""
    d = Derivation("TRPO-2", "The sample-based TV-TRPO maximizer is Δ* = t*Δ̂* with t* = (1−γ)M/(8γ‖Â‖∞); "
                   "the per-state TV is equalised across states with M(s) > 0.", "Thm D.3")
    ts, tmax, w, ms = sp.symbols("t_s t_max w_s M_s", positive=True)
    j_state = w * ts * ms / (1 - g)
    d.add(Step("for a fixed max-TV t, j increases with every t_s ≤ t where M(s) > 0 (∂j/∂t_s = w_s M(s)/(1−γ) > 0), "
               "so the optimum sets t_s = t", bool(sp.simplify(sp.diff(j_state, ts) * (1 - g)).is_positive),
               latex=rf"\partial_{{t_s}} j = {sp.latex(sp.diff(j_state, ts))}"))
    d.add(identity_step("exchange step: moving state s from t(s) to (t(s) + t)/2 raises its term by (t − t(s))M(s)/2",
                        ((ts + tmax) / 2 - ts) * ms, (tmax - ts) * ms / 2))
    d.add(identity_step("argmax of t M/(1−γ) − 4γ‖A‖t²/(1−γ)² is t* = (1−γ)M/(8γ‖A‖)",
                        maximizer(penalty), (1 - g) * M / (8 * g * A)))
    y = rationals(-4, 4, 4)
    a_vals = rationals(-2, 2, 2)

    def per_state_value_bounded(y1, y2, a1, a2, a3):
        """Σ y A ≤ (T_s/2)(max A − min A) when Σ y = 0 (probability constraint), Σ|y| = T_s."""
        ys = (y1, y2, -y1 - y2)
        ts_ = sum(abs(v) for v in ys)
        adv = (a1, a2, a3)
        return sum(v * a for v, a in zip(ys, adv)) <= ts_ / 2 * (max(adv) - min(adv))

    d.add(search_step("per-state maximum (69) M(s) = T_s(max Â − min Â)/2 (never exceeded; attained at the "
                      "two extreme actions)", (ys + aa for ys in grid(y, 2) for aa in grid(a_vals, 3)),
                      per_state_value_bounded, role="support"))
    d.summary = "t* solved symbolically from the concave quadratic; equalisation by monotonicity in t_s."
    return d


def check_trpo3(radius: sp.Expr = RADIUS) -> Derivation:
    """TRPO-3: M ≤ ‖A‖ (D.2), δ_APC ≤ δ_TRPO (D.11), updates inside the TRPO region (D.12)."""
    d = Derivation("TRPO-3", "M ≤ ‖Â‖∞ (Lemma D.2); δ_APC ≤ δ_TRPO (Lemma D.11); the TV-TRPO/APC-Obj update lies in "
                   "B^TV-TR_δTRPO with D^max_TV(π_old‖π_new) = t* (Lemma D.12).", "Lemmas D.2, D.11, D.12")
    adv = rationals(-3, 3, 2)
    d.add(search_step("M(s)/T_s = (max Â − min Â)/2 ≤ ‖Â‖∞ for every state, hence M ≤ ‖Â‖∞",
                      grid(adv, 3), lambda a1, a2, a3: (max(a1, a2, a3) - min(a1, a2, a3)) / 2
                      <= max(abs(a1), abs(a2), abs(a3))))
    delta_72 = (1 - g) * M / (8 * g * A)
    delta_main = (1 - g) ** 2 * M / (8 * g * A * T)
    d.add(Step("δ_APC (eq 72) ≤ δ_TRPO for γ ∈ (0,1], 0 ≤ M ≤ ‖A‖", _nonnegative_on_unit_interval(radius - delta_72),
               latex=rf"{sp.latex(radius)} - {sp.latex(delta_72)} \ge 0"))
    d.add(Step("δ_APC (main text, p. 5) ≤ δ_TRPO as well (T ≥ 1)",
               _nonnegative_on_unit_interval((radius - delta_main).subs(T, 1 + sp.Symbol("c", nonnegative=True)))))
    p, x = sp.Rational(1, 2), sp.symbols("x", positive=True)
    estimator = p * x + p * x  # D̂_TV (eq 39) of Δ = (x, -x) sampled at exact frequencies (1/2, 1/2)
    population = sp.Rational(1, 2) * (p * x + p * x)  # D_TV (eq 34/37)
    d.add(Step("D^max_TV(π_old‖π_new) = t* (Lemma D.12): with Δ* at D̂_TV = t*, the population TV (eq 34) is t*/2, "
               "and unsampled states are unconstrained; the inclusion holds (t*/2 ≤ δ_TRPO) on sampled states",
               is_zero(estimator - population), on_failure="holds-with-conditions",
               evidence=f"two actions at frequencies (1/2, 1/2), Δ = (x, −x): D̂_TV = {estimator}, D_TV = {population}"))
    d.summary = "D.2 and D.11 hold for both δ_APC definitions; D.12's equality is off by the factor 1/2 of eq 34."
    return d


def check_trpo4(estimator_scale: sp.Expr = sp.Integer(1)) -> Derivation:
    """TRPO-4: E[D̂_TV(s)] (eq 39, scale 1) against D_TV(s) = ½ Σ|π_old − π| (eqs 34, 37) and the penalties of 55/67."""
    d = Derivation("TRPO-4", "The TV estimator D̂_TV(s) = (1/T_s)Σ n|r−1| (eq 39) estimates D_TV(s) = ½Σ|π_old−π| "
                   "(eqs 34, 37), so the penalty of eq 67 is the one of eq 55.", "eqs 34, 37, 39, 48, 55, 67")
    p = sp.symbols("p1:4", positive=True)
    q = sp.symbols("q1:4", positive=True)
    d.add(identity_step("E_{a∼π_old}|r−1| = Σ|π_old − π| (ratio form, factor out π_old)",
                        sum(pi * sp.Abs(qi / pi - 1) for pi, qi in zip(p, q)), sum(sp.Abs(qi - pi) for pi, qi in zip(p, q)),
                        role="support"))
    p0, q0 = (Fraction(1, 2), Fraction(1, 2)), (Fraction(3, 4), Fraction(1, 4))
    expected_estimator = estimator_scale * sum(pi * abs(qi / pi - 1) for pi, qi in zip(p0, q0))
    tv = Fraction(1, 2) * sum(abs(qi - pi) for pi, qi in zip(p0, q0))
    d.add(Step("E[D̂_TV(s)] at exact sampling frequencies equals D_TV(s)", expected_estimator == tv,
               on_failure="inconsistent", latex=r"\mathbb E[\hat D_{TV}(s)] = \sum_a |\pi_{old}-\pi| = 2 D_{TV}(s)",
               evidence=f"π_old = {fmt(p0)}, π = {fmt(q0)}: E[D̂_TV] = {expected_estimator}, D_TV = {tv}"))
    d.add(Step("the eq-67 penalty c·D̂_TV² equals the eq-55 penalty c·D_TV² in expectation",
               expected_estimator**2 == tv**2, on_failure="inconsistent",
               evidence=f"ratio {fmt(Fraction(expected_estimator**2) / tv**2)} (penalty ×4; radius in D_TV units t*/2)"))
    d.summary = "eq 39 (and 42, 48, 51) drop the ½ of eqs 34/37/46: D̂_TV estimates 2·D_TV."
    return d


CHECKS = (check_trpo1, check_trpo2, check_trpo3, check_trpo4)

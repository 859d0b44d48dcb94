"""TRPO at γ = 1: surrogate-gap penalty and radius, the TV-TRPO maximizer, the TRPO region, the TV estimator (§2,
App. A.3, B, D.2–D.3, D.8)."""

from __future__ import annotations

import sympy as sp

from .formula import Family, Part, Statement, var, variables
from .registry import derivation

TITLE = "TRPO at gamma = 1"
gamma, adv_norm, big_m = var("gamma", "positive"), var("A_inf", "positive"), var("M", "nonnegative")
PENALTY = 4 * gamma * adv_norm / (1 - gamma) ** 2  # eq 1 / eq 55 coefficient of D_TV^max squared
RADIUS = (1 - gamma) / (8 * gamma)  # δ_TRPO, Lemma B.2, eq 76
DISCOUNT = [gamma <= 1]  # γ ∈ (0, 1]


def reduced_objective(t, penalty=PENALTY):
    """j(Δ*) on the equalised ray: t M/(1 − γ) − penalty t² (proof of Thm D.3, p. 36)."""
    return t * big_m / (1 - gamma) - penalty * t**2


T_STAR = (1 - gamma) * big_m / (8 * gamma * adv_norm)  # Thm D.3


@derivation("TRPO-1", controls={"radius not vanishing": {"radius": (2 - gamma) / (8 * gamma)},
                                "penalty bounded": {"penalty": 4 * gamma * adv_norm},
                                "TV without absolute values": {"distance": lambda x: x}})
def check_trpo1(radius=RADIUS, penalty=PENALTY, distance=sp.Abs) -> list[Part]:
    """TRPO-1: the penalty diverges and δ_TRPO → 0 as γ → 1⁻ (eq 1, Lemma B.2, Thm 2.1), each as an explicit ε–δ
    statement; the TV trust region of radius 0 is {π_old}."""
    big_k, eta = var("K", "positive"), var("eta", "positive")
    diverges = Statement(penalty >= big_k, [sp.Rational(1, 2) <= gamma, gamma < 1,
                                            (1 - gamma) ** 2 <= 2 * adv_norm / big_k])
    vanishes = Statement(radius <= eta, [*DISCOUNT, gamma >= 1 / (1 + 8 * eta)])
    limit = Statement(sp.Eq(sp.Limit(radius, gamma, 1, "-"), 0))
    return [
        Part("TRPO-1/penalty", "p. 2, eq 1; p. 26, eq 55", diverges),
        Part("TRPO-1/radius", "p. 3, Thm 2.1; p. 26, Lemma B.2", vanishes, crosschecks=[limit]),
        Part("TRPO-1/tv-region", "p. 3, Thm 2.1 (radius 0)",
             Family(lambda k: tv_region_collapses(k, distance), t_max=4, t_min=2, shown=3, index="k",
                    symbolic=tv_region_action(distance),
                    symbolic_domain="per-action lemma: the other actions enter only through their sum R ≥ 0 of "
                                    "|π_old − π|, so every number k of actions"),
             role="remark"),
    ]


def tv_region_action(distance=sp.Abs) -> Statement:
    """The per-action lemma: action a and the other actions' Σ_{b≠a}|π_old(b) − π(b)| = R ≥ 0 (free):
    ½(|p_a − q_a| + R) ≤ 0 ⇒ p_a = q_a, for every number k of actions."""
    p, q, rest = var("p_a", "nonnegative"), var("q_a", "nonnegative"), var("R", "nonnegative")
    return Statement(sp.Eq(p, q), (sp.Rational(1, 2) * (distance(p - q) + rest) <= 0,), engines=("z3",))


def tv_region_collapses(k: int, distance=sp.Abs) -> Statement:
    """k actions: π_old, π on the simplex with D_TV = ½Σ|π_old − π| ≤ 0 ⇒ π = π_old (eq 34)."""
    p, q = variables("p", k, "nonnegative"), variables("q", k, "nonnegative")
    tv = sp.Rational(1, 2) * sum(distance(a - b) for a, b in zip(p, q))
    return Statement(sp.And(*(sp.Eq(a, b) for a, b in zip(p, q))),
                     [sp.Eq(sum(p), 1), sp.Eq(sum(q), 1), tv <= 0])


def state_sums(k: int, stem: str = "Delta") -> tuple:
    """One state with k sampled actions: weights n > 0, a direction, advantages; (T_s, n, direction, Â)."""
    n, d, a = variables("n", k, "positive"), variables(stem, k), variables("A", k)
    return sum(n), n, d, a


def value(n, d, a):
    """Σ_a n_a Δ_a Â_a, the per-state objective of eq 69."""
    return sum(ni * di * ai for ni, di, ai in zip(n, d, a))


def tv_hat(n, d, t_s):
    """D̂_TV(s, Δ) = (1/T_s) Σ_a n_a |Δ_a| (eq 39)."""
    return sum(ni * sp.Abs(di) for ni, di in zip(n, d)) / t_s


def scaling(power):
    """Eq 70 at k actions: Δ̂ feasible at radius 1 with value M(s), and M(s) ≥ the value of every E feasible at radius
    1; every Δ feasible at radius c > 0 is cE with E = Δ/c feasible at radius 1 ⇒ cΔ̂ is feasible at radius c with
    value c·M(s), and cE does no better (`power`: the exponent of c in the value, 1 as printed)."""

    def build(k: int) -> Statement:
        t_s, n, hat, a = state_sums(k, "Dhat")
        _, _, e, _ = state_sums(k, "E")
        c, m_s = var("c", "positive"), var("M_s")
        hyps = (sp.Eq(tv_hat(n, hat, t_s), 1), sp.Eq(sum(ni * h for ni, h in zip(n, hat)), 0),
                sp.Eq(value(n, hat, a), m_s), sp.Eq(tv_hat(n, e, t_s), 1), sp.Eq(sum(ni * x for ni, x in zip(n, e)), 0),
                value(n, e, a) <= m_s)
        conclusion = []
        for point in ([c * h for h in hat], [c * x for x in e]):
            conclusion += [sp.Eq(tv_hat(n, point, t_s), c, evaluate=False),
                           sp.Eq(sum(ni * x for ni, x in zip(n, point)), 0, evaluate=False)]
        conclusion += [sp.Eq(value(n, [c * h for h in hat], a), c**power * m_s, evaluate=False),
                       value(n, [c * x for x in e], a) <= c**power * m_s]
        return Statement(sp.And(*conclusion), hyps)

    return build


def scaling_termwise(power) -> tuple:
    """Termwise homogeneity for c > 0 (n|cΔ| = c·n|Δ|, n(cΔ)Â = c·nΔÂ), then the aggregated step: with V = ΣnEÂ
    ≤ M(s), the value cV of cE is ≤ c^power·M(s), and cΔ̂ has value c·M(s) = c^power·M(s); every k."""
    n, d, a, c, m_s, big_v = (var("n", "positive"), var("Delta"), var("A"), var("c", "positive"), var("M_s"), var("V"))
    return (Statement(sp.And(sp.Eq(n * sp.Abs(c * d), c * (n * sp.Abs(d)), evaluate=False),
                             sp.Eq(n * (c * d) * a, c * (n * d * a), evaluate=False)), engines=("z3",)),
            Statement(c * big_v <= c**power * m_s, (big_v <= m_s,), engines=("z3",)),
            Statement(sp.Eq(c * m_s, c**power * m_s, evaluate=False), engines=("z3",)))


def relaxed_radius(direction):
    """Eq 71 at k actions: −Δ̂ is feasible at radius 1 with value −M(s), so M(s) ≥ −M(s), i.e. M(s) ≥ 0, and then
    the relaxed maximum max_{c* ≤ c} c*M(s) is attained at c* = c (`direction`: +1 as printed)."""

    def build(k: int) -> Statement:
        t_s, n, hat, a = state_sums(k, "Dhat")
        c, c_star, m_s = var("c", "nonnegative"), var("c_star", "nonnegative"), var("M_s")
        flipped = [-h for h in hat]
        hyps = (sp.Eq(tv_hat(n, hat, t_s), 1), sp.Eq(sum(ni * h for ni, h in zip(n, hat)), 0), sp.Eq(value(n, hat, a), m_s),
                value(n, flipped, a) <= m_s, direction * c_star <= direction * c)
        return Statement(sp.And(sp.Eq(tv_hat(n, flipped, t_s), 1, evaluate=False),
                                sp.Eq(sum(ni * x for ni, x in zip(n, flipped)), 0, evaluate=False),
                                c_star * m_s <= c * m_s), hyps)

    return build


def relaxed_lemmas(direction) -> tuple:
    """Termwise n|−Δ| = n|Δ|, n(−Δ)Â = −nΔÂ; then with V = M(s) and −V ≤ M(s): c* ≤ c ⇒ c*M(s) ≤ cM(s)."""
    n, d, a = var("n", "positive"), var("Delta"), var("A")
    c, c_star, m_s = var("c", "nonnegative"), var("c_star", "nonnegative"), var("M_s")
    return (Statement(sp.And(sp.Eq(n * sp.Abs(-d), n * sp.Abs(d), evaluate=False),
                             sp.Eq(n * (-d) * a, -(n * d * a), evaluate=False)), engines=("z3",)),
            Statement(c_star * m_s <= c * m_s, (-m_s <= m_s, direction * c_star <= direction * c), engines=("z3",)))


PER_STATE = "termwise lemmas, summed over the k actions of the state, then the aggregated step: every k"


@derivation("TRPO-2", controls={"penalty halved": {"penalty": 2 * gamma * adv_norm / (1 - gamma) ** 2},
                                "value at radius c taken as c²M(s)": {"power": 2},
                                "relaxed radius read as c* ≥ c": {"direction": -1}})
def check_trpo2(penalty=PENALTY, power=1, direction=1) -> list[Part]:
    """TRPO-2 (Thm D.3): the per-state scaling steps (70)–(71); t* maximises the reduced objective; the exchange
    step of the proof equalises per-state TV."""
    t = var("t", "nonnegative")
    maximiser = Statement(reduced_objective(t, penalty) <= reduced_objective(T_STAR, penalty), [gamma < 1])
    t_s, m_s = var("t_s", "nonnegative"), var("M_s", "positive")
    exchange = Statement((t_s + t) / 2 * m_s > t_s * m_s, [t > t_s])
    return [
        Part("TRPO-2/scaling-70", "p. 35, eq 70 (linearity of the TV maximizer)",
             Family(scaling(power), t_max=3, t_min=2, shown=2, index="k", symbolic=scaling_termwise(power),
                    symbolic_domain=PER_STATE)),
        Part("TRPO-2/scaling-71", "p. 35, eq 71 (the relaxed constraint D̂_TV(s, Δ) ≤ c)",
             Family(relaxed_radius(direction), t_max=3, t_min=2, shown=2, index="k",
                    symbolic=relaxed_lemmas(direction), symbolic_domain=PER_STATE),
             note="M(s) ≥ 0 because the feasible set is symmetric (−Δ̂ is feasible with value −M(s))."),
        Part("TRPO-2/maximizer", "p. 35–36, Thm D.3", maximiser),
        Part("TRPO-2/equalised", "p. 36, proof of Thm D.3 (Δ** raises j)", exchange),
    ]


def per_state_bound(k: int, norm_scale=1) -> Statement:
    """One state, k actions with sample weights n_a > 0 and |Â_a| ≤ ‖Â‖∞: Σ n Δ Â ≤ ‖Â‖∞ Σ n|Δ|, so at D̂_TV(s, Δ) = 1
    (Σ n|Δ| = T_s, eq 69) M(s)/T_s ≤ ‖Â‖∞ (proof of Lemma D.2)."""
    n, delta, a = variables("n", k, "positive"), variables("Delta", k), variables("A", k)
    return Statement(sum(ni * di * ai for ni, di, ai in zip(n, delta, a))
                     <= norm_scale * adv_norm * sum(ni * sp.Abs(di) for ni, di in zip(n, delta)),
                     [sp.Abs(ai) <= adv_norm for ai in a])


def per_action_bound(norm_scale=1) -> tuple:
    """Termwise: n > 0, |Â| ≤ ‖Â‖∞ ⇒ nΔÂ ≤ ‖Â‖∞ n|Δ|; summing termwise inequalities (the step L ≤ R ∧ a ≤ b ⇒
    L + a ≤ R + b) gives Σ n Δ Â ≤ ‖Â‖∞ Σ n|Δ| for every k."""
    n, d, a = var("n", "positive"), var("Delta"), var("A")
    big_l, big_r, x, y = var("L"), var("R"), var("a"), var("b")
    return (Statement(n * d * a <= norm_scale * adv_norm * n * sp.Abs(d), (sp.Abs(a) <= adv_norm,), engines=("z3",)),
            Statement(big_l + x <= big_r + y, (big_l <= big_r, x <= y), engines=("z3",)))


def aggregate_lemmas() -> tuple:
    """Termwise: w ≥ 0, m ≤ ‖Â‖∞ ⇒ wm ≤ w‖Â‖∞; summed, Σwm ≤ ‖Â‖∞Σw = ‖Â‖∞ (Σw = 1) for every k."""
    w, m, big_l, big_w = var("w", "nonnegative"), var("m"), var("L"), var("W", "nonnegative")
    return (Statement(w * m <= w * adv_norm, (m <= adv_norm,), engines=("z3",)),
            Statement(big_l + w * m <= (big_w + w) * adv_norm, (big_l <= big_w * adv_norm, m <= adv_norm),
                      engines=("z3",)),
            Statement(big_l <= adv_norm, (big_l <= big_w * adv_norm, sp.Eq(big_w, 1)), engines=("z3",)))


TERMWISE = "termwise lemma, then the induction step that adds one term to both sides of a sum: every k"


def aggregate_bound(k: int) -> Statement:
    """M = E_w[M(s)/T_s] ≤ ‖Â‖∞ when every M(s)/T_s ≤ ‖Â‖∞ (k states, weights Γ(s)/Γ; Lemma D.2)."""
    w, m = variables("w", k, "nonnegative"), variables("m", k)
    return Statement(sum(wi * mi for wi, mi in zip(w, m)) <= adv_norm,
                     [sp.Eq(sum(w), 1), *(mi <= adv_norm for mi in m)])


def region_inclusion(radius) -> Family:
    """Lemma D.12 at k actions: π_new in B^TV-TR_δTRPO at a sampled state s (exact frequencies p, (65), D̂_TV(s) ≤ t*
    ≤ δ_TRPO) and at a state s' of the same policy update, with D_TV = ½Σ π_old|r − 1| (eq 37)."""

    def build(k: int) -> Statement:
        p, r = variables("p", k, "positive"), variables("r", k, "nonnegative")
        p2, r2 = variables("pp", k, "positive"), variables("rr", k, "nonnegative")
        bound = var("tstar", "nonnegative")
        tv_hat = sum(pi * sp.Abs(ri - 1) for pi, ri in zip(p, r))  # eq 39 at exact frequencies n/T_s = p
        tv = sp.Rational(1, 2) * tv_hat  # eq 37
        tv2 = sp.Rational(1, 2) * sum(pi * sp.Abs(ri - 1) for pi, ri in zip(p2, r2))
        hyps = [*DISCOUNT, sp.Eq(sum(p), 1), sp.Eq(sum(p2), 1),
                sp.Eq(sum(pi * ri for pi, ri in zip(p, r)), 1), sp.Eq(sum(pi * ri for pi, ri in zip(p2, r2)), 1),
                tv_hat <= bound, bound <= radius]
        return Statement(sp.And(tv <= RADIUS, tv2 <= RADIUS), hyps)

    return Family(build, t_max=3, t_min=2, shown=2, index="k")


@derivation("TRPO-3", controls={"radius halved in D.11": {"radius": (1 - gamma) / (16 * gamma)},
                                "‖Â‖∞ halved in D.2": {"norm_scale": sp.Rational(1, 2)}})
def check_trpo3(radius=RADIUS, norm_scale=1) -> list[Part]:
    """TRPO-3: M ≤ ‖Â‖∞ (Lemma D.2), δ_APC ≤ δ_TRPO (Lemma D.11), the update inside B^TV-TR_δTRPO (Lemma D.12)."""
    delta_72 = (1 - gamma) * big_m / (8 * gamma * adv_norm)
    big_t = var("T", "positive integer")
    delta_main = (1 - gamma) ** 2 * big_m / (8 * gamma * adv_norm * big_t)
    lemma_d11 = Statement(delta_72 <= radius, [*DISCOUNT, big_m <= adv_norm])
    inclusion = region_inclusion(radius)
    return [
        Part("TRPO-3/D.2", "p. 35, Lemma D.2",
             Family(lambda k: per_state_bound(k, norm_scale), t_max=3, shown=2, index="k",
                    symbolic=per_action_bound(norm_scale),
                    symbolic_domain=TERMWISE),
             support=[Family(aggregate_bound, t_max=3, shown=2, index="k", symbolic=aggregate_lemmas(),
                             symbolic_domain="termwise lemma, the induction step of the weighted sum, and Σw = 1: "
                                             "every number k of states")]),
        Part("TRPO-3/D.11", "p. 40, Lemma D.11 (δ of eq 72)", lemma_d11),
        Part("TRPO-3/D.11-main-text", "p. 5, Def 3.2 δ in Lemma D.11", Statement(delta_main <= radius,
                                                                                 [*DISCOUNT, big_m <= adv_norm]),
             role="remark"),
        Part("TRPO-3/D.12", "p. 41, Lemma D.12", inclusion,
             condition=lambda k: [sum(pi * sp.Abs(ri - 1) for pi, ri in zip(variables("pp", k, "positive"),
                                                                             variables("rr", k, "nonnegative")))
                                  <= var("tstar", "nonnegative")]),
        Part("TRPO-3/D.12-equality", "p. 41, proof of Lemma D.12 (D^max_TV = t*, via Thm D.3's D̂^max_TV = t*)",
             Family(lambda k: estimator_matches(k, 1), t_max=3, t_min=2, shown=2, index="k"), role="remark",
             conflict="Thm D.3 gives D̂_TV(s) = t* (eq 39); at exact frequencies D_TV(s) = D̂_TV(s)/2 (TRPO-4)"),
    ]


def estimator_matches(k: int, scale) -> Statement:
    """k actions sampled at exact frequencies p: D̂_TV(s) (eq 39, times `scale`) = D_TV(s) = ½Σ|π_old − π| (eq 34)."""
    p, q = variables("p", k, "positive"), variables("q", k, "nonnegative")
    tv_hat = scale * sum(pi * sp.Abs(qi / pi - 1) for pi, qi in zip(p, q))
    tv = sp.Rational(1, 2) * sum(sp.Abs(pi - qi) for pi, qi in zip(p, q))
    return Statement(sp.Eq(tv_hat, tv), [sp.Eq(sum(p), 1), sp.Eq(sum(q), 1)])


def ratio_form_action(half) -> Statement:
    """Termwise, for one action with π_old = p > 0: ½|p − q| = half·p|q/p − 1|; summing equal terms gives eq 37 for
    every number k of actions."""
    p, q = var("p", "positive"), var("q", "nonnegative")
    return Statement(sp.Eq(sp.Rational(1, 2) * sp.Abs(p - q), half * p * sp.Abs(q / p - 1)), engines=("z3",))


def ratio_form(k: int, half) -> Statement:
    """The ratio form (37): ½Σ|π_old − π| = half·Σ π_old|r − 1| with r = π/π_old (k actions)."""
    p, q = variables("p", k, "positive"), variables("q", k, "nonnegative")
    return Statement(sp.Eq(sp.Rational(1, 2) * sum(sp.Abs(pi - qi) for pi, qi in zip(p, q)),
                           half * sum(pi * sp.Abs(qi / pi - 1) for pi, qi in zip(p, q))))


@derivation("TRPO-4", controls={"ratio form without ½": {"half": sp.Integer(1)}})
def check_trpo4(scale=sp.Integer(1), half=sp.Rational(1, 2)) -> list[Part]:
    """TRPO-4: E[D̂_TV(s)] (eq 39) against D_TV(s) (eqs 34, 37), and the penalty of eq 67 against eq 55."""
    conflict = ("eq 34/37: D_TV(s) = ½Σ_a|π_old − π| = ½E|r − 1|; eq 39: D̂_TV(s) = (1/T_s)Σ n|r − 1|, whose mean is "
                "E|r − 1| = 2D_TV(s); eq 67 puts D̂_TV^max where eq 55 has D_TV^max (penalty ×4, radius t* in "
                "D̂ units = 2× in D_TV units), while App. D (eqs 57–75, Thm D.10) is built on eq 39 as written")
    return [
        Part("TRPO-4/eq37", "p. 23, eq 37",
             Family(lambda k: ratio_form(k, half), t_max=3, t_min=2, shown=2, index="k",
                    symbolic=ratio_form_action(half),
                    symbolic_domain="termwise lemma (one action); a sum of equal terms is equal: every k")),
        Part("TRPO-4/eq39", "p. 23, eq 39 vs eqs 34, 37; eq 67 vs eq 55",
             Family(lambda k: estimator_matches(k, scale), t_max=4, t_min=2, shown=2, index="k"), conflict=conflict),
    ]

"""APC-Obj: the two δ definitions, the clip-bound identity, the correction term, retraction, clipping regimes (App. C,
D.4–D.9)."""

from __future__ import annotations

import sympy as sp

from .formula import Family, Part, Statement, clip, var, variables
from .registry import derivation

TITLE = "APC-Obj"
gamma, adv_norm, big_m = var("gamma", "positive"), var("A_inf", "positive"), var("M", "positive")
big_t = var("T", "positive integer")
DELTA_MAIN = (1 - gamma) ** 2 * big_m / (8 * gamma * adv_norm * big_t)  # Def 3.2 (p. 5) and Def C.1 (eq 57)
DELTA_EQ72 = (1 - gamma) * big_m / (8 * gamma * adv_norm)  # Def D.4, eq 72
T_STAR = (1 - gamma) * big_m / (8 * gamma * adv_norm)  # Thm D.3, the step size Thm D.10 needs
RATIO_SHAPE = [gamma < 1, big_m <= adv_norm]
Z3_ONLY = ("z3",)  # clip identities: SymPy's simplify does not decide them and spends seconds trying


@derivation("APC-1", controls={"eq 72 off t*": {"main": DELTA_EQ72 / 2, "appendix": DELTA_EQ72 / 2}})
def check_apc1(main=DELTA_MAIN, appendix=DELTA_EQ72) -> list[Part]:
    """APC-1: δ^(APC-Obj) of Def 3.2 / Def C.1 against eq 72 (Def D.4), and which one Thm D.10 uses."""
    conflict = ("Def 3.2 (p. 5) and Def C.1 (eq 57): δ = (1 − γ)²M/(8γ‖Â‖∞T); Def D.4 (eq 72): δ = (1 − γ)M/(8γ‖Â‖∞); "
                "the clip bound T_sδ − Σ|r − 1| is the same in both objectives, and C.1 justifies only removing the "
                "objective's (1 − γ)⁻¹, which leaves δ unchanged")
    return [
        Part("APC-1/same-delta", "p. 5, Def 3.2; p. 27, eq 57; p. 36, eq 72",
             Statement(sp.Eq(main, appendix, evaluate=False), RATIO_SHAPE), conflict=conflict),
        Part("APC-1/eq72-is-tstar", "p. 39–40, proof of Thm D.10 (δ^(APC-Obj) = t*)",
             Statement(sp.Eq(appendix, T_STAR, evaluate=False), RATIO_SHAPE)),
        Part("APC-1/normalisation", "p. 27, below Def C.1 (dropping (1 − γ)⁻¹ keeps the argmax)",
             Statement(sp.Implies(var("J_1") <= var("J_2"), var("J_1") / (1 - gamma) <= var("J_2") / (1 - gamma)),
                       [gamma < 1]), role="remark"),
    ]


def clip_bound_identity(k: int, kronecker: bool) -> Statement:
    """Action a_1 of a state with k actions and multiplicities n: T_sδ − Σ_a'(n_a' − δ_{a1 a'})|Δ_a'| =
    T_s(δ − D̂_TV(s)) + |Δ_1| (proof of Thm D.10, p. 39; D̂_TV of eq 39)."""
    n, d = variables("n", k, "positive"), variables("Delta", k)
    delta = var("delta", "nonnegative")
    t_s = sum(n)
    tv_hat = sum(ni * sp.Abs(di) for ni, di in zip(n, d)) / t_s
    lhs = t_s * delta - sum((n[b] - (1 if kronecker and b == 0 else 0)) * sp.Abs(d[b]) for b in range(k))
    return Statement(sp.Eq(lhs, t_s * (delta - tv_hat) + sp.Abs(d[0])))


def clip_bound_split(kronecker: bool) -> Statement:
    """Action a_1 and the other actions' sums N = Σ_{a≠1} n_a ≥ 0, W = Σ_{a≠1} n_a|Δ_a| ≥ 0 (free): both sides
    depend on the other actions only through N and W, so one statement covers every number k of actions."""
    n1, d1, delta = var("n_1", "positive"), var("Delta_1"), var("delta", "nonnegative")
    rest_n, rest_w = var("N", "nonnegative"), var("W", "nonnegative")
    t_s = n1 + rest_n
    tv_hat = (n1 * sp.Abs(d1) + rest_w) / t_s
    lhs = t_s * delta - (n1 - (1 if kronecker else 0)) * sp.Abs(d1) - rest_w
    return Statement(sp.Eq(lhs, t_s * (delta - tv_hat) + sp.Abs(d1), evaluate=False))


@derivation("APC-2", controls={"Kronecker delta dropped": {"kronecker": False}})
def check_apc2(kronecker: bool = True) -> list[Part]:
    """APC-2: the clip-bound identity of the proof of Thm D.10."""
    return [Part("APC-2/clip-bound", "p. 39, proof of Thm D.10",
                 Family(lambda k: clip_bound_identity(k, kronecker), t_max=4, shown=3, index="k",
                        symbolic=clip_bound_split(kronecker),
                        symbolic_domain="per-action lemma: the other actions enter only through N = Σ_{a≠1} n_a and "
                                        "W = Σ_{a≠1} n_a|Δ_a|, free and ≥ 0, so every number k of actions"))]


def correction_drops(k: int, centered: bool) -> Statement:
    """Σ_a n_a C(Δ)_s Â_a = 0 under advantage centering Σ_a n_a Â_a = 0 (66) (Lemma D.6, k actions)."""
    n, a = variables("n", k, "positive"), variables("A", k)
    c_s = var("C_s")
    hyps = [sp.Eq(sum(ni * ai for ni, ai in zip(n, a)), 0)] if centered else []
    return Statement(sp.Eq(sum(ni * c_s * ai for ni, ai in zip(n, a)), 0, evaluate=False), hyps)


def correction_induction(centered: bool) -> tuple:
    """Induction on the number of actions with L = Σ n C(Δ)_s Â, R = Σ n Â of the first actions: base L = C R for
    one action; step L = C R ⇒ L + nCÂ = C(R + nÂ); under (66) R = 0, hence L = 0."""
    n, a, c_s = var("n", "positive"), var("A"), var("C_s")
    big_l, big_r = var("L"), var("R")
    centering = (sp.Eq(big_r, 0),) if centered else ()
    return (Statement(sp.Eq(n * c_s * a, c_s * (n * a), evaluate=False)),
            Statement(sp.Eq(big_l + n * c_s * a, c_s * (big_r + n * a)), (sp.Eq(big_l, c_s * big_r),)),
            Statement(sp.Eq(big_l, 0), (sp.Eq(big_l, c_s * big_r), *centering)))


def inactive_action() -> Statement:
    """Per action: D̂_TV(s) < δ ⇒ clip(Δ_a, ±(T_s(δ − D̂_TV(s)) + |Δ_a|)) = Δ_a, with D̂_TV(s) and T_s free (an
    action's clip depends on the others only through them); so Σ n G(Δ) = Σ n Δ, which is 0 under (65)."""
    x, t_s = var("Delta_a"), var("T_s", "positive")
    tv_hat, delta = var("Dhat", "nonnegative"), var("delta", "nonnegative")
    return Statement(sp.Eq(clip(x, paper_bound(x, t_s, tv_hat, delta)), x), (tv_hat < delta,), engines=Z3_ONLY)


def partitions(total: int, largest: int | None = None):
    """Every multiplicity pattern (n_1 ≥ n_2 ≥ …) of a state with T_s = total samples."""
    if total == 0:
        yield ()
        return
    for first in range(min(total, largest or total), 0, -1):
        for rest in partitions(total - first, first):
            yield (first, *rest)


def state_clip(ns: tuple, u: list, delta, bound=None) -> list:
    """G(u)_a = clip(u_a, T_s(δ − D̂_TV(s, u)) + |u_a|) for one state (Def D.8)."""
    t_s = sum(ns)
    tv_hat = sum(n * sp.Abs(x) for n, x in zip(ns, u)) / t_s
    return [clip(x, (bound or paper_bound)(x, t_s, tv_hat, delta)) for x in u]


def paper_bound(x, t_s, tv_hat, delta):
    """The clip bound of Def D.8: T_s(δ − D̂_TV(s, u)) + |u_a|."""
    return t_s * (delta - tv_hat) + sp.Abs(x)


def per_pattern(build):
    """A Family over T_s: the conjunction over every multiplicity pattern of T_s samples, each with its own
    variables named by the pattern (u21_2: pattern n = (2, 1), action 2); `build(ns, tag)` returns (hypotheses,
    conclusion) for one pattern."""

    def family_member(t_s: int) -> Statement:
        cases = [build(ns, "".join(map(str, ns))) for ns in partitions(t_s)]
        return Statement(sp.And(*(sp.Implies(sp.And(*hyps), concl) for hyps, concl in cases)))

    return family_member


def inactive_correction(centered: bool):
    """Under (65), D̂_TV(s, Δ) < δ ⇒ C(Δ)_s = (1/T_s)Σ n clip(Δ, …) = 0 (p. 37, below eq 74)."""

    def build(ns: tuple, tag: str):
        d = variables(f"Delta{tag}", len(ns))
        delta = var("delta", "nonnegative")
        t_s = sum(ns)
        tv_hat = sum(n * sp.Abs(x) for n, x in zip(ns, d)) / t_s
        hyps = [tv_hat < delta] + ([sp.Eq(sum(n * x for n, x in zip(ns, d)), 0)] if centered else [])
        return hyps, sp.Eq(sum(n * g for n, g in zip(ns, state_clip(ns, d, delta))), 0, evaluate=False)

    return build


@derivation("APC-3", controls={"no centering": {"centered": False}})
def check_apc3(centered: bool = True) -> list[Part]:
    """APC-3: the correction term of Lemma D.6 drops out under (66); C(Δ)_s = 0 when D̂_TV(s) < δ under (65)."""
    return [
        Part("APC-3/D.6", "p. 37, Lemma D.6 and its proof",
             Family(lambda k: correction_drops(k, centered), t_max=3, shown=3, index="k",
                    symbolic=correction_induction(centered),
                    symbolic_domain="induction on k (base case, step, conclusion under (66)), each a lemma")),
        Part("APC-3/inactive", "p. 37, below eq 74",
             Family(per_pattern(inactive_correction(centered)), t_max=3, shown=2, index="T_s",
                    symbolic=(inactive_action(), *correction_induction(centered)[1:]),
                    symbolic_domain="per-action lemma (the clip is the identity), then the weighted sum Σ n G = "
                                    "Σ n Δ by the induction step with C = 1, which is 0 under (65): every T_s and "
                                    "multiplicity pattern"), role="remark"),
    ]


def retraction(strict: bool, bound=None):
    """Lemma D.9 for one multiplicity pattern: Σ n u = 0 (65) ⇒ D̂_TV(s, proj(G(u))) ≤ δ (part 1), and
    D̂_TV(s, u) > δ ⇒ D̂_TV(s, proj(G(u))) < δ (part 2); proj subtracts C(G(u))_s (Def D.8)."""

    def build(ns: tuple, tag: str):
        u = variables(f"u{tag}", len(ns))
        delta = var("delta", "nonnegative")
        t_s = sum(ns)
        g = state_clip(ns, u, delta, bound)
        centre = sum(n * x for n, x in zip(ns, g)) / t_s
        after = sum(n * sp.Abs(x - centre) for n, x in zip(ns, g)) / t_s
        hyps = [sp.Eq(sum(n * x for n, x in zip(ns, u)), 0)]
        if strict:  # the proof of Lemma D.9 takes 0 < δ (p. 38)
            return (hyps + [delta > 0, sum(n * sp.Abs(x) for n, x in zip(ns, u)) / t_s > delta],
                    sp.Lt(after, delta, evaluate=False))
        return hyps, sp.Le(after, delta, evaluate=False)

    return build


def soft_threshold() -> Statement:
    """κ ≥ 0: clip(u, ±(|u| − κ)) = sign(u)·max(|u| − κ, 0) (proof of Lemma D.9, p. 38: |u| is reduced by κ)."""
    u, kappa = var("u"), var("kappa", "nonnegative")
    shrunk = sp.Max(sp.Abs(u) - kappa, 0)
    return Statement(sp.Eq(clip(u, sp.Abs(u) - kappa), sp.Piecewise((shrunk, u >= 0), (-shrunk, True))),
                     engines=Z3_ONLY)


RETRACTION_TS = 3  # z3 proves Lemma D.9 for every multiplicity pattern with T_s ≤ this bound in the build


@derivation("APC-4", controls={"bound without the consumed budget": {"bound": lambda x, t_s, tv, dl: t_s * dl}})
def check_apc4(bound=None, t_max: int = RETRACTION_TS) -> list[Part]:
    """APC-4: the retraction property (Lemma D.9), every multiplicity pattern of a state with T_s ≤ t_max samples."""
    return [
        Part("APC-4/D.9-1", "p. 37–38, Lemma D.9 (1)", Family(per_pattern(retraction(False, bound)), t_max=t_max,
                                                              shown=2, index="T_s")),
        Part("APC-4/D.9-2", "p. 37–39, Lemma D.9 (2), with the proof's 0 < δ",
             Family(per_pattern(retraction(True, bound)), t_max=t_max, shown=2, index="T_s")),
        Part("APC-4/soft-threshold", "p. 38, proof of Lemma D.9", soft_threshold(), role="remark"),
    ]


def regime(name: str, rollback_scale):
    """The clip output of one token in regime (P), (R) or (Z) of App. C.2 (eqs 61–63): x = r − 1, D̂ = D̂_TV(s)."""
    x, t_s = var("x"), var("T_s", "positive")
    tv_hat, delta = var("Dhat", "nonnegative"), var("delta", "nonnegative")
    out = clip(x, t_s * (delta - tv_hat) + sp.Abs(x))
    over = sp.Abs(x) / rollback_scale(t_s)
    cases = {
        "P": Statement(sp.Eq(out, x), [tv_hat <= delta], engines=Z3_ONLY),
        "R": Statement(sp.And(0 < sp.Abs(out), sp.Abs(out) < sp.Abs(x)), [tv_hat > delta, over > tv_hat - delta]),
        "Z": Statement(sp.Eq(out, 0), [tv_hat > delta, over <= tv_hat - delta], engines=Z3_ONLY),
    }
    return cases[name]


@derivation("APC-5", controls={"rollback threshold without 1/T_s": {"rollback_scale": lambda t_s: 1}})
def check_apc5(rollback_scale=lambda t_s: t_s) -> list[Part]:
    """APC-5: the three clipping regimes (P), (R), (Z) of App. C.2."""
    return [Part(f"APC-5/{name}", f"p. 28–29, eq {eq}", regime(name, rollback_scale))
            for name, eq in (("P", 61), ("R", 62), ("Z", 63))]

"""APC-Obj: the two deltas, clip-bound identity, correction term, retraction, clipping regimes (App. C, D)."""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import sympy as sp

from ._core import Derivation, Step, fmt, frac_clip, grid, identity_step, rationals, search_step

TITLE = "APC-Obj"
g, A, M, T = sp.symbols("gamma A M T", positive=True)
DELTA_MAIN = (1 - g) ** 2 * M / (8 * g * A * T)  # Def 3.2 (p. 5) and Def C.1 (eq 57)
DELTA_EQ72 = (1 - g) * M / (8 * g * A)  # Def D.4, eq 72; also t* of Thm D.3


def check_apc1(main: sp.Expr = DELTA_MAIN, appendix: sp.Expr = DELTA_EQ72) -> Derivation:
    """APC-1: δ^(APC-Obj) of the main text (and Def C.1) against eq 72 (Def D.4)."""
    d = Derivation("APC-1", "δ^(APC-Obj) of Def 3.2 / Def C.1, (1−γ)²M/(8γ‖Â‖∞T), is the same quantity as eq 72's "
                   "(1−γ)M/(8γ‖Â‖∞), which Thm D.10 identifies with t*.", "Def 3.2 (p. 5), Def C.1, Def D.4 eq 72")
    ratio = sp.simplify(main / appendix)
    example = {g: sp.Rational(1, 2), T: 4, M: A}
    d.add(identity_step("main-text δ equals eq-72 δ", main, appendix, on_failure="inconsistent",
                        evidence=f"ratio main/eq72 = {ratio}; e.g. γ = 1/2, T = 4, M = ‖A‖: "
                                 f"{main.subs(example)} vs {appendix.subs(example)}"))
    d.add(Step("both vanish at γ = 1 (Remark 3.4)", main.subs(g, 1) == 0 and appendix.subs(g, 1) == 0))
    d.add(identity_step("the δ used in Thm D.10 equals t* = (1−γ)M/(8γ‖A‖) (needed for the equivalence)",
                        main, (1 - g) * M / (8 * g * A), on_failure="inconsistent",
                        evidence="holds for eq 72 only; with the main-text δ the APC-Obj maximizer would be δ·Δ̂* ≠ t*Δ̂*"))
    d.summary = f"the two definitions differ by the factor {ratio}, which is never 1 for γ < 1, T ≥ 1."
    return d


def check_apc2(kronecker: bool = True) -> Derivation:
    """APC-2: T_s δ − Σ_a' (n_a' − δ_aa')|Δ_a'| = T_s(δ − D̂_TV) + |Δ_a| (proof of Thm D.10)."""
    d = Derivation("APC-2", "T_sδ − Σ_a'(n_a' − δ_aa')|Δ_a'| = T_s(δ − D̂_TV(s)) + |Δ_a|.", "proof of Thm D.10")
    n = sp.symbols("n1:4", positive=True)
    delta_ = sp.symbols("Delta1:4", real=True)
    dlt = sp.symbols("delta", positive=True)
    ts = sum(n)
    d_tv = sum(ni * sp.Abs(di) for ni, di in zip(n, delta_)) / ts  # eq 39
    for a in range(3):
        lhs = ts * dlt - sum((n[b] - (1 if (kronecker and a == b) else 0)) * sp.Abs(delta_[b]) for b in range(3))
        d.add(identity_step(f"action a{a + 1} of a state with three actions, multiplicities n1..n3", lhs,
                            ts * (dlt - d_tv) + sp.Abs(delta_[a])))
    d.summary = "symbolic identity for every action of a 3-action state with symbolic multiplicities."
    return d


def check_apc3(centered: bool = True) -> Derivation:
    """APC-3: the correction term of Lemma D.6 drops out under advantage centering (66)."""
    d = Derivation("APC-3", "The correction term C(Δ)_s of eq 74 drops out of the objective under advantage centering (66) "
                   "(Lemma D.6), and C(Δ)_s = 0 whenever D̂_TV(s) < δ under (65).", "Lemma D.6, eqs 73–74")
    n = sp.symbols("n1:4", positive=True)
    adv = list(sp.symbols("A1:4", real=True))
    c_s = sp.symbols("C_s", real=True)
    if centered:
        adv[2] = -(n[0] * adv[0] + n[1] * adv[1]) / n[2]  # eq 66
    contribution = sum(ni * c_s * ai for ni, ai in zip(n, adv))
    d.add(identity_step("Σ_a n_a C(Δ)_s Â_a = C(Δ)_s Σ_a n_a Â_a = 0", contribution, sp.Integer(0)))
    steps = rationals(-6, 6, 4)
    delta = Fraction(1)

    def inactive_correction(d1, d2, n1, n2, n3):
        """Under (65), D̂_TV < δ ⇒ every clip is inactive ⇒ C(Δ)_s = (1/T_s)Σ n Δ = 0."""
        ns = (n1, n2, n3)
        ds = (d1, d2, -(n1 * d1 + n2 * d2) / n3)
        ts = sum(ns)
        d_tv = sum(ni * abs(di) for ni, di in zip(ns, ds)) / ts
        if d_tv >= delta:
            return True
        clipped = [frac_clip(di, ts * (delta - d_tv) + abs(di)) for di in ds]
        return sum(ni * ci for ni, ci in zip(ns, clipped)) == 0

    delta_ = sp.symbols("Delta1:3", real=True)
    in_regime_p = (delta_[0], delta_[1], -(n[0] * delta_[0] + n[1] * delta_[1]) / n[2])  # clip = identity in (P)
    d.add(identity_step("in regime (P) (APC-5) every clip is the identity, so C(Δ)_s = (1/T_s)Σ n Δ = 0 by (65)",
                        sum(ni * di for ni, di in zip(n, in_regime_p)) / sum(n), sp.Integer(0)))
    d.add(search_step("C(Δ)_s = 0 when D̂_TV(s) < δ and Σ n Δ = 0", (c + m for c in grid(steps, 2) for m in grid((1, 2), 3)),
                      inactive_correction, role="crosscheck"))
    example = (Fraction(2), Fraction(-1), Fraction(-1))
    clipped = [frac_clip(x, 3 * (1 - Fraction(4, 3)) + abs(x)) for x in example]
    d.add(Step("C(Δ)_s itself is not zero when the clip is active: only its contribution vanishes", sum(clipped) != 0,
               role="support", evidence=f"n = (1,1,1), Δ = {fmt(example)}, δ = 1: clipped = {fmt(clipped)}, "
                                        f"C = {fmt(sum(clipped) / 3)}"))
    d.summary = "the correction contributes C(Δ)_s·Σ n Â, which (66) sets to zero; C itself need not vanish."
    return d


def soft_threshold_steps(d: Derivation) -> None:
    """clip(u, T_s(δ − D̂) + |u|) = sign(u)·max(|u| − κ, 0) with κ = T_s(D̂ − δ) ≥ 0: soft thresholding."""
    x, k, e = sp.symbols("x kappa e", positive=True)
    bound = x - k
    clip = sp.Min(sp.Max(x, -sp.Max(bound, 0)), sp.Max(bound, 0))
    d.add(Step("u > κ: clip(u, ±(|u| − κ)⁺) = u − κ", sp.simplify(clip.subs(x, k + e) - e) == 0, role="support"))
    d.add(Step("0 < u ≤ κ: clip(u, ±(|u| − κ)⁺) = 0", sp.simplify(clip.subs(k, x + e)) == 0
               and sp.simplify(clip.subs(k, x)) == 0, role="support"))


def _retraction_cases(values: list[Fraction], deltas: list[Fraction]):
    """(u1, u2, n1, n2, n3, δ): three actions, multiplicities in {1, 2}, u3 fixed by Σ n u = 0 (65)."""
    for u1, u2 in grid(values, 2):
        for ns in grid((1, 2), 3):
            for dl in deltas:
                yield (u1, u2, *ns, dl)


def paper_bound(u: Fraction, ts: int, d_tv: Fraction, delta: Fraction) -> Fraction:
    """The clip bound of Def D.8: T_s(δ − D̂_TV(s, u)) + |u|."""
    return ts * (delta - d_tv) + abs(u)


def retraction_tv(us: tuple, ns: tuple, delta: Fraction, bound: Callable = paper_bound) -> tuple[Fraction, Fraction]:
    """(D̂_TV(s, u), D̂_TV(s, proj(G(u)))) for one state, exactly (Def D.8, Lemma D.9)."""
    ts = sum(ns)
    d_tv = Fraction(sum(n * abs(u) for n, u in zip(ns, us))) / ts
    v = [frac_clip(u, bound(u, ts, d_tv, delta)) for u in us]
    mean = sum(n * vi for n, vi in zip(ns, v)) / ts
    return d_tv, sum(n * abs(vi - mean) for n, vi in zip(ns, v)) / ts


def check_apc4(bound: Callable = paper_bound) -> Derivation:
    """APC-4: Lemma D.9, D̂_TV(s, proj(G(u))) ≤ δ, strictly when D̂_TV(s, u) > δ."""
    d = Derivation("APC-4", "For u with Σ n u = 0: D̂_TV(s, proj(G(u))) ≤ δ, and < δ when D̂_TV(s, u) > δ.", "Lemma D.9")
    soft_threshold_steps(d)

    def tv_before_after(u1, u2, n1, n2, n3, delta):
        return retraction_tv((u1, u2, -(n1 * u1 + n2 * u2) / n3), (n1, n2, n3), delta, bound)

    def retracted(*case):
        d_tv, d_new = tv_before_after(*case)
        return d_new < case[-1] if d_tv > case[-1] else d_new <= case[-1]

    ts, d_tv, dl, n_pos, vbar, m, p = sp.symbols("T_s D delta N vbar m p", positive=True)
    d.add(identity_step("proof algebra: T_sD̂ − N(T_s(D̂ − δ) + v̄) = T_sδ − T_s(N − 1)(D̂ − δ) − N v̄",
                        ts * d_tv - n_pos * (ts * (d_tv - dl) + vbar), ts * dl - ts * (n_pos - 1) * (d_tv - dl) - n_pos * vbar))
    margin = (ts * (n_pos - 1) * (d_tv - dl) + n_pos * vbar).subs({n_pos: 2 + m, d_tv: dl + p})
    d.add(Step("N ≥ 2, D̂ > δ, v̄ ≥ 0 ⇒ T_s(N − 1)(D̂ − δ) + N v̄ > 0 (strict retraction)",
               bool(sp.expand(margin).is_positive) and bool(sp.expand(margin.subs(vbar, 0)).is_positive)))
    cases = list(_retraction_cases(rationals(-8, 8, 4), [Fraction(1, 8), Fraction(1, 4), Fraction(1, 2), Fraction(1)]))
    d.add(search_step("D̂_TV(proj(G(u))) ≤ δ, strictly when D̂_TV(u) > δ (3 actions, n ∈ {1,2}³, u ∈ ¼ℤ ∩ [−2, 2], "
                      "δ ∈ {1/8, 1/4, 1/2, 1}; case = (u1, u2, n1, n2, n3, δ))", cases, retracted,
                      describe=lambda *c: "D̂_TV before {}, after {}".format(*tv_before_after(*c))))
    d.summary = "clip = soft thresholding (SymPy); retraction checked exactly on every listed case."
    return d


def check_apc5(rollback_condition: Callable = lambda x, ts, d_tv, delta: x / ts > d_tv - delta) -> Derivation:
    """APC-5: regimes (P) D̂ ≤ δ; (R) D̂ > δ, |Δ|/T_s > D̂ − δ; (Z) D̂ > δ, |Δ|/T_s ≤ D̂ − δ (eqs 61–63)."""
    d = Derivation("APC-5", "The per-token clip is the identity iff D̂_TV(s) ≤ δ (P); active and nonzero iff D̂_TV > δ and "
                   "|Δ|/T_s > D̂_TV − δ (R); zero iff D̂_TV > δ and |Δ|/T_s ≤ D̂_TV − δ (Z).", "App. C.2, eqs 61–63")
    x, ts, p, z, e, dd = sp.symbols("x T_s p z e d", positive=True)

    def clip(bnd):
        return sp.Min(sp.Max(x, -sp.Max(bnd, 0)), sp.Max(bnd, 0))

    d.add(Step("(P) D̂ = δ − p, p ≥ 0: clip(Δ, T_s(δ − D̂) + |Δ|) = Δ",
               sp.simplify(clip(ts * p + x) - x) == 0 and sp.simplify(clip(x) - x) == 0))
    d.add(Step("(Z) D̂ − δ = |Δ|/T_s + z, z ≥ 0: output 0", sp.simplify(clip(-ts * z)) == 0 and sp.simplify(clip(0 * z)) == 0))
    d.add(Step("(R) D̂ − δ = d > 0, |Δ| = T_s d + e: output e with 0 < e < |Δ|",
               sp.simplify(clip(e).subs(x, ts * dd + e) - e) == 0))
    steps = rationals(-6, 6, 4)

    def classified(d1, d2, n1, n2, n3, delta):
        ns = (n1, n2, n3)
        ds = (d1, d2, -(n1 * d1 + n2 * d2) / n3)
        ts_ = sum(ns)
        d_tv = sum(n * abs(v) for n, v in zip(ns, ds)) / ts_
        for v in ds:
            out = frac_clip(v, ts_ * (delta - d_tv) + abs(v))
            if d_tv <= delta:
                ok = out == v
            elif rollback_condition(abs(v), ts_, d_tv, delta):
                ok = 0 < abs(out) < abs(v)
            else:
                ok = out == 0
            if not ok:
                return False
        return True

    d.add(search_step("eqs 61–63 predict the clip output of every token (3 actions, exact rationals)", role="crosscheck",
                      cases=
                      (c + m + (dl,) for c in grid(steps, 2) for m in grid((1, 2), 3)
                       for dl in (Fraction(1, 4), Fraction(1, 2), Fraction(1))), predicate=classified))
    d.summary = "each regime proved by a positive parametrisation of its inequalities; partition checked exactly."
    return d


CHECKS = (check_apc1, check_apc2, check_apc3, check_apc4, check_apc5)

"""Certificate: rollback-slope-cancels-1-over-T (Property 5.5, p. 17; eqs 7, 9, 10, 14–16, 20).

Property 5.5: "The coupling term (b) is weighted by 1/T_τ, so trajectory-mediated effects scale
inversely with sequence length."  Here the Jacobian entries are computed from the definitions
(not from eq 20): log G_i = g_agg(log s⁺, C⁺, T) − g_agg(log s⁻, C⁻, T) + clip(l_i u_i, ε) − clip(l_i v_i, ε),
J(G)_ij = (G_i/r_j) ∂log G_i/∂log r_j; for i ≠ j term (a) is 0, so ∂log G_i/∂log r_j is term (b).
log G is piecewise linear in ℓ = log r, so derivatives are exact one-sided difference quotients.
"""
import sys
from fractions import Fraction as F


def clip(x, e):
    return max(-e, min(e, x))


def g_agg(x, C, T):                       # eq 10
    if abs(x) <= C:
        return x
    if abs(x) < (1 + F(1, T)) * C:
        return (1 if x > 0 else -1) * (T + 1) * C - T * x
    return F(0)


def log_G(ell, i, labels, eps, Cp, Cm):   # eqs 7, 9, 14–16 (labels held fixed)
    T = len(ell)
    sp = sum((max(x, 0) for x in ell), F(0)) / T
    sm = sum((max(-x, 0) for x in ell), F(0)) / T
    s = {1: sp, -1: sm}
    l = labels[i]
    u, v = l * ell[i] - s[l], -s[-l]
    return g_agg(sp, Cp, T) - g_agg(sm, Cm, T) + clip(l * u, eps) - clip(l * v, eps)


def dlogG(ell, i, j, labels, eps, Cp, Cm, h=F(1, 10**9)):
    up = list(ell); up[j] += h
    dn = list(ell); dn[j] -= h
    f0 = log_G(ell, i, labels, eps, Cp, Cm)
    right = (log_G(up, i, labels, eps, Cp, Cm) - f0) / h
    left = (f0 - log_G(dn, i, labels, eps, Cp, Cm)) / h
    assert right == left, "not inside one linear piece"
    return right


eps, Cp, Cm = F(1, 25), F(3, 25), F(1, 20)          # Fig. 4: ε = 0.04, C⁺ = 0.12, C⁻ = 0.05
shown = True
for T, ell_t in [(10, F(1, 8)), (100, F(241, 2000))]:
    ell = [ell_t] * T
    labels = [1] * T
    log_sp = ell_t
    rollback = Cp < log_sp < (1 + F(1, T)) * Cp
    b = dlogG(ell, 0, 1, labels, eps, Cp, Cm)
    print(f"T_τ = {T}: log r_t = {ell_t} for all t, log s⁺ = {log_sp}, rollback ({Cp} < log s⁺ < {(1 + F(1, T)) * Cp}): {rollback}")
    print(f"    term (b) = ∂log G_1/∂log r_2 = {b}  (= {float(b):.4f});  T_τ·|(b)| = {T * abs(b)};"
          f"  Σ_(j≠1) (b) = {(T - 1) * b}  vs  term (a) = 1")
    shown = shown and rollback and abs(b) >= 1      # does not shrink like 1/T_τ
# contrast: pass-through, same shape → coupling entry is (1/T)(γ − 1) = 0 here
ell = [F(1, 20)] * 10
print(f"pass-through contrast (T_τ = 10, log r_t = 1/20): (b) = {dlogG(ell, 0, 1, [1] * 10, eps, Cp, Cm)}")
print("shown:", shown)
sys.exit(0 if shown else 1)

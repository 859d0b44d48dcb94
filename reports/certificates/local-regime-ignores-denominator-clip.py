"""Certificate: local-regime-ignores-denominator-clip (§5.2, p. 14: regimes L-I and L-III).

Definitions used (FiberPO, Def 5.1):
  eq 9 : log s⁺ = (1/T) Σ max(ℓ_t, 0),  log s⁻ = (1/T) Σ max(−ℓ_t, 0)        (ℓ = log r)
  eq 10: g_agg(x, C, T) = x if |x| ≤ C; sign(x)(T+1)C − T x if C < |x| < (1+1/T)C; 0 otherwise
  eq 13: l_i = sign(ℓ_i);  eq 14: u_i = l_i ℓ_i − log s^(l_i);  eq 15: v_i = −log s^(−l_i)
  eq 7/16: log G_i = g_agg(log s⁺, C⁺, T) − g_agg(log s⁻, C⁻, T) + clip(l_i u_i, ε) − clip(l_i v_i, ε)
L-I claim:   max|u_i| < ε  ⇒ fiber gate imposes no restriction: log r̃_i = ℓ_i − log r_τ.
L-III claim: min|u_i| ≥ ε  ⇒ J(G)_ij ∝ (1/T) γ^(l_j), i.e. ∂log G_i/∂ℓ_j = (1/T) γ^(l_j).
log G is piecewise linear in ℓ, so its partial derivatives are computed exactly (Fractions) as
one-sided difference quotients with a tiny step, checked equal on both sides.
"""
import sys
from fractions import Fraction as F


def clip(x, e):
    return max(-e, min(e, x))


def g_agg(x, C, T):
    if abs(x) <= C:
        return x
    if abs(x) < (1 + F(1, T)) * C:
        return (1 if x > 0 else -1) * (T + 1) * C - T * x
    return F(0)


def aggregates(ell):
    T = len(ell)
    return sum((max(x, 0) for x in ell), F(0)) / T, sum((max(-x, 0) for x in ell), F(0)) / T


def parts(ell, i, labels, eps):
    """(u_i, v_i, clip(l u) − clip(l v)) with the sign labels held fixed (eqs 14–16)."""
    sp, sm = aggregates(ell)
    s = {1: sp, -1: sm}
    l = labels[i]
    u = l * ell[i] - s[l]
    v = -s[-l]
    return u, v, clip(l * u, eps) - clip(l * v, eps)


def log_G(ell, i, labels, eps, Cp, Cm):
    sp, sm = aggregates(ell)
    T = len(ell)
    return g_agg(sp, Cp, T) - g_agg(sm, Cm, T) + parts(ell, i, labels, eps)[2]


def dlogG(ell, i, j, labels, eps, Cp, Cm, h=F(1, 10**7)):
    up = list(ell); up[j] += h
    dn = list(ell); dn[j] -= h
    f0 = log_G(ell, i, labels, eps, Cp, Cm)
    right = (log_G(up, i, labels, eps, Cp, Cm) - f0) / h
    left = (f0 - log_G(dn, i, labels, eps, Cp, Cm)) / h
    assert right == left, "not inside one linear piece"
    return right


eps, Cp, Cm = F(1, 40), F(3, 20), F(9, 100)        # Fig. 3: ε = 0.025, C⁺ = 0.15, C⁻ = 0.09

# ---- L-I witness -------------------------------------------------------------------------
ell = [F(-3, 50), F(-3, 50), F(3, 100)]
labels = [1 if x > 0 else -1 for x in ell]
sp, sm = aggregates(ell)
T = len(ell)
us = [parts(ell, i, labels, eps)[0] for i in range(T)]
vs = [parts(ell, i, labels, eps)[1] for i in range(T)]
in_LI = max(abs(u) for u in us) < eps
in_GI = sp <= Cp and sm <= Cm
log_r_tau = sum(ell) / T
got = parts(ell, 2, labels, eps)[2]
want = ell[2] - log_r_tau
print("L-I:  log r =", [str(x) for x in ell], " log s⁺ =", sp, " log s⁻ =", sm, " G-I:", in_GI)
print("      u =", [str(x) for x in us], " v =", [str(x) for x in vs], " max|u_i| < ε:", in_LI)
print(f"      token 3: log r̃_3 = clip(l u_3, ε) − clip(l v_3, ε) = {got}   vs   log r_3 − log r_τ = {want}")
shown_LI = in_LI and in_GI and got != want

# ---- L-III witness -----------------------------------------------------------------------
ell = [F(1, 5), F(-3, 50), F(1, 50)]
labels = [1 if x > 0 else -1 for x in ell]
sp, sm = aggregates(ell)
us = [parts(ell, i, labels, eps)[0] for i in range(T)]
vs = [parts(ell, i, labels, eps)[1] for i in range(T)]
in_LIII = min(abs(u) for u in us) >= eps
gamma = {1: 1, -1: 1} if (sp <= Cp and sm <= Cm) else None   # pass-through: γ± = 1 (eq 20)
d12 = dlogG(ell, 0, 1, labels, eps, Cp, Cm)
claimed = F(1, T) * gamma[labels[1]]
print("L-III: log r =", [str(x) for x in ell], " log s⁺ =", sp, " log s⁻ =", sm, " (G-I, γ± = 1)")
print("      u =", [str(x) for x in us], " v =", [str(x) for x in vs], " min|u_i| ≥ ε:", in_LIII,
      " |v_1| ≤ ε:", abs(vs[0]) <= eps)
print(f"      ∂log G_1/∂log r_2 = {d12}   vs   stated (1/T_τ)γ^(l_2) = {claimed}")
for (i, j) in [(0, 0), (0, 2)]:
    print(f"      (same channel, agrees) ∂log G_{i+1}/∂log r_{j+1} = {dlogG(ell, i, j, labels, eps, Cp, Cm)}")
shown_LIII = in_LIII and d12 != claimed

shown = shown_LI and shown_LIII
print("shown:", shown)
sys.exit(0 if shown else 1)

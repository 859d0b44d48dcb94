"""p. 14, regime L-III: "the Jacobian (20) reduces to (G(r)_j / r_j)(1/T_τ) γ^(l_j)". Eq 20's prefactor is
G(r•)_i / r_j; for i ≠ j in L-III the entry is (G_i/r_j)(1/T_τ)γ^(l_j), and G_i ≠ G_j in general.

Paper definitions used (p. 9-13): eq 9 log s±, eq 10 g_agg, eq 8 w, eqs 13-16 l_i, u_i, v_i,
r̃_i = exp(clip(l_i u_i, ε) − clip(l_i v_i, ε)), eq 7 G_i = w · r̃_i; eq 20 for comparison.
Witness: T_τ = 2, log r = (1/10, 1/2), ε = 1/10, C⁺ = C⁻ = 1 (pass-through, γ^(+) = 1).
Then u = (−1/5, 1/5): every |u_i| ≥ ε (L-III); both tokens positive, so v_i = 0.
J_12 = ∂G_1/∂r_2 is evaluated by a central finite difference (h = 1e-6) with math.exp; margin 1e-4.
"""
import math
import sys


def clip(x, e):
    return max(-e, min(e, x))


def g_agg(x, c, t):  # eq 10
    if abs(x) <= c:
        return x
    if abs(x) < (1 + 1 / t) * c:
        return math.copysign(1, x) * (t + 1) * c - t * x
    return 0.0


def gate(r, eps=0.1, cp=1.0, cm=1.0):  # eqs 7-16
    T = len(r)
    ell = [math.log(x) for x in r]
    sp = sum(max(l, 0) for l in ell) / T
    sm = sum(max(-l, 0) for l in ell) / T
    w = math.exp(g_agg(sp, cp, T) - g_agg(sm, cm, T))
    out = []
    for l in ell:
        lab = 1 if l > 0 else -1
        same, opp = (sp, sm) if lab == 1 else (sm, sp)
        u = lab * l - same
        v = -opp
        out.append(w * math.exp(clip(lab * u, eps) - clip(lab * v, eps)))
    return out


r = [math.exp(0.1), math.exp(0.5)]
G = gate(r)
h = 1e-6
J12 = (gate([r[0], r[1] + h])[0] - gate([r[0], r[1] - h])[0]) / (2 * h)
T, gamma = 2, 1.0
paper_L3 = G[1] / r[1] / T * gamma      # (G_j / r_j)(1/T)γ^(l_j), j = 2
eq20 = G[0] / r[1] / T * gamma          # (G_i / r_j)(1/T)γ^(l_j), i = 1
print(f"G_1 = {G[0]:.6f}, G_2 = {G[1]:.6f}")
print(f"J(G)_12 (finite difference) = {J12:.6f}")
print(f"eq 20: (G_1/r_2)(1/T)γ = {eq20:.6f};  p.14 L-III: (G_2/r_2)(1/T)γ = {paper_L3:.6f}")
shown = abs(J12 - eq20) < 1e-4 and abs(J12 - paper_L3) > 1e-2
print("shown:", shown)
sys.exit(0 if shown else 1)

"""Certificate: fbg-verification-missing-factor-T (App. E.5.4 'Verification', p. 49; objects of p. 48).

FBG objects (p. 48): E = X̄ × {−1, +1};  F(r•)_(i; l) = (1/T_τ) max(l log r_i, 0);
π_E(i; l) = (τ, l), so (π_E∗σ)_(τ,l) = Σ_{i∈τ} σ_(i; l) = log s_τ^(l);  K((i; l)|(τ, l)) = 1/T_τ;
g_Fiber(σ_i) = clip(σ_i, ±ε/T_τ);  g_Base,(τ,l)(x) = g_agg(x, C^(l), T_τ) (eq 78);
R(σ)_i = exp(T_τ(σ_(i;+1) − σ_(i;−1))).
Verification line: clip(l log r − log s^(l), ±ε) + g_agg(log s^(l), C^(l), T_τ)
                   = g_Fiber(σ − Kπ_E∗σ)_i + K(g_Base(π_E∗σ))_i ≡ G(σ)_i.
Witness: T_τ = 2, ε = 1/25, C⁺ = 3/25, log r = (1/10, 1/50), i = token 1, l = +1.
"""
import sys
from fractions import Fraction as F


def clip(x, e):
    return max(-e, min(e, x))


def g_agg(x, C, k):                                  # eq 78
    if abs(x) <= C:
        return x
    if abs(x) < (1 + F(1, k)) * C:
        return (1 if x > 0 else -1) * (k + 1) * C - k * x
    return F(0)


eps, Cp = F(1, 25), F(3, 25)
ell = [F(1, 10), F(1, 50)]
T = len(ell)
l, i = 1, 0
sigma = [F(1, T) * max(l * x, 0) for x in ell]       # F(r•)_(·; +1)
push = sum(sigma)                                    # π_E∗σ at (τ, +1) = log s⁺
K_push = F(1, T) * push                              # K(π_E∗σ)_(i; +1)
G_i = clip(sigma[i] - K_push, eps / T) + F(1, T) * g_agg(push, Cp, T)
lhs = clip(l * ell[i] - push, eps) + g_agg(push, Cp, T)
print(f"log s⁺ = π_E∗σ = {push}")
print(f"LHS  clip(l log r_1 − log s⁺, ±ε) + g_agg(log s⁺, C⁺, T_τ) = {lhs}")
print(f"RHS  g_Fiber(σ − Kπ_E∗σ)_1 + K(g_Base(π_E∗σ))_1 = G(σ)_1 = {G_i}")
print(f"T_τ · G(σ)_1 = {T * G_i}")
shown = lhs != G_i and lhs == T * G_i
print("written identity fails, LHS = T_τ·G(σ)_i holds:", shown)
sys.exit(0 if shown else 1)

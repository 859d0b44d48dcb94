"""Thm 4.5 value agreement (p. 8): Ĵ(G;F,R)(θold|θold) = J(θold) fails; eq 5 has no J(θold) term.

Same process as inv-T-weighting-gradient.py: prompt s0, stop (T_τ = 1, return R1) or go + one forced token
(T_τ = 2, return R2), π(go) = p, exact advantages Â = Q − V. At θold, R∘G∘F(1) = 1 (App. E.4), so eq 5 gives
Ĵ(θold|θold) = Σ_τ Σ_t (1/T_τ) Â_t.
"""
import sys
from fractions import Fraction as Fr

p, R1, R2 = Fr(1, 2), Fr(0), Fr(1)
J_old = (1 - p) * R1 + p * R2                                        # eq 53, γ = 1
J_hat = (1 - p) * Fr(1, 1) * (R1 - J_old) + p * Fr(1, 2) * (R2 - J_old)   # E over τ of eq 5 at θold
print(f"J(θold) = {J_old}")
print(f"E[Ĵ(G;F,R)(θold|θold)] = E[Σ_t (1/T_τ) Â_t] = {J_hat}")
print(f"E[Ĵ] + J(θold) = {J_hat + J_old} (still ≠ J(θold): the 1/T_τ weight is not s_t-measurable)")
shown = J_hat != J_old and J_hat + J_old != J_old
sys.exit(0 if shown else 1)

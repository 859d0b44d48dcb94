"""Thm 4.5 (p. 8): with eq 5's per-token weight 1/T_τ, ∇Ĵ at θold is not ∇J (eq 53) when T_τ depends on the actions.

Process (γ = 1): prompt s0, actions {stop, go}, π_θ(go|s0) = p = σ(θ).
stop ends τ: T_τ = 1, return R1.  go is followed by one forced token (π = 1, score 0): T_τ = 2, return R2.
Exact advantages Â = Q − V (Â = 0 at the forced token). Scores ∂_θ log π(stop) = −p, ∂_θ log π(go) = 1 − p.
"""
import sys
from fractions import Fraction as Fr

p, R1, R2 = Fr(1, 2), Fr(0), Fr(1)
V = (1 - p) * R1 + p * R2                       # J(θold), eq 53 at γ = 1
grad_J = p * (1 - p) * (R2 - R1)               # ∂J/∂θ = ∂/∂θ[(1−p)R1 + pR2], dp/dθ = p(1−p)

def weight(T):                                  # eq 5: μ = 1/T_τ per token (one trajectory per batch)
    return Fr(1, T)

# E_τ∼P_old[ Σ_t μ ∂_θ r_t Â_t ] at θold; ∂_θ r = ∂_θ log π at θ = θold
grad_surr = (1 - p) * weight(1) * (-p) * (R1 - V) + p * weight(2) * (1 - p) * (R2 - V)
grad_unit = (1 - p) * 1 * (-p) * (R1 - V) + p * 1 * (1 - p) * (R2 - V)   # weight 1 per token (control)
value_surr = (1 - p) * weight(1) * (R1 - V) + p * weight(2) * (R2 - V)    # E[Ĵ(θold|θold)], R∘G∘F(1) = 1

print(f"∇θ J(θ)|θold                     = {grad_J}")
print(f"E[∇θ Ĵ(G;F,R)(θ|θold)|θold] (eq 5) = {grad_surr}")
print(f"  control, weight 1 per token     = {grad_unit}")
print(f"J(θold) = {V},  E[Ĵ(G;F,R)(θold|θold)] = {value_surr}")
shown = grad_surr != grad_J and grad_unit == grad_J and value_surr != V
sys.exit(0 if shown else 1)

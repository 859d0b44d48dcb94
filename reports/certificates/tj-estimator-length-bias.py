"""Eq 50 (p. 24): D̄^(tj) = E_τ[D̂^(τ)] fails when the trajectory length T_τ depends on the actions.

Paper definitions used:
  p. 21 (A.1): ρ̄^(tj)(U) := E_τ[ Σ_{t<T_τ} (1/T_τ) 1_U(s_t) ]
  eq 45 (p. 24): D̄^(tj)_KL := E_{s∼ρ̄^(tj)}[ D_KL(s) ],  eq 35: D_KL(s) = Σ_a π_old log(π_old/π_θ)
  eq 49 (p. 24): D̂^(τ)_KL := −(1/T_τ) Σ_t log r_t
  eq 50 (p. 24): D̄^(tj)_KL = E_{τ∼P_old}[ D̂^(τ)_KL ]  (first equality; checked here)
Witness (an EOS-like choice): state s0 with actions A (stop: T_τ = 1) and B (continue to state s1,
which has a single action, r = 1, then stop: T_τ = 2). π_old(·|s0) = (1/2, 1/2), π_θ(·|s0) = (3/4, 1/4).
KL uses logs, so both sides are evaluated with math.log and compared with a margin of 1e-3.
A second, exact check uses the TV integrand ½|r − 1| of eq 37 (so the separate factor-2 issue of eq 48
plays no part) with three actions at s0: A, B stop, C continues; π_old = (1/3,1/3,1/3), π_θ = (1/2,1/2,0).
"""
import math
import sys
from fractions import Fraction as F

# ---- KL version (paper's eqs 35, 45, 49) ----
p_old = {"A": F(1, 2), "B": F(1, 2)}
p_new = {"A": F(3, 4), "B": F(1, 4)}
length = {"A": 1, "B": 2}
# ρ̄^(tj): weight of s0 = E[1/T_τ], of s1 = E[1[B]/T_τ]
rho_s0 = sum(p_old[a] * F(1, length[a]) for a in p_old)
rho_s1 = p_old["B"] * F(1, 2)
kl_s0 = sum(float(p_old[a]) * math.log(p_old[a] / p_new[a]) for a in p_old)
kl_s1 = 0.0  # single action, r = 1
lhs = float(rho_s0) * kl_s0 + float(rho_s1) * kl_s1          # D̄^(tj)_KL (eq 45)
rhs = sum(float(p_old[a]) * (-math.log(p_new[a] / p_old[a]) + 0.0) / length[a] for a in p_old)  # E_τ[D̂^(τ)_KL] (eq 49)
print(f"KL: ρ̄^(tj)(s0) = {rho_s0}, ρ̄^(tj)(s1) = {rho_s1}")
print(f"KL: D̄^(tj)_KL (eq 45) = {lhs:.6f}   E_τ[D̂^(τ)_KL] (eq 49, 50) = {rhs:.6f}")
shown_kl = abs(lhs - rhs) > 1e-3 and lhs > 0 > rhs

# ---- exact TV version with the ½ of eq 37 in both sides ----
po = {"A": F(1, 3), "B": F(1, 3), "C": F(1, 3)}
pn = {"A": F(1, 2), "B": F(1, 2), "C": F(0)}
ln = {"A": 1, "B": 1, "C": 2}
r = {a: pn[a] / po[a] for a in po}
tv_s0 = F(1, 2) * sum(abs(po[a] - pn[a]) for a in po)       # eq 34
rho0 = sum(po[a] * F(1, ln[a]) for a in po)                 # ρ̄^(tj)(s0)
lhs_tv = rho0 * tv_s0                                        # s1 has one action: D_TV(s1) = 0
rhs_tv = sum(po[a] * F(1, ln[a]) * (F(1, 2) * abs(r[a] - 1) + (0 if ln[a] == 1 else 0)) for a in po)
print(f"TV (½ kept): D̄^(tj)_TV = {lhs_tv}   E_τ[(1/T_τ) Σ_t ½|r_t − 1|] = {rhs_tv}")
shown_tv = lhs_tv != rhs_tv
shown = shown_kl and shown_tv
print("shown:", shown)
sys.exit(0 if shown else 1)

"""p. 13, §5.2: "even when (signed-)trajectory-level drift are large (log s±_τ > ε) ... PPO/GRPO etc. that clip
log r_i directly would have more than half tokens to exceed the clip bound". Tokens that move with their same-sign
trajectory mean (|u_i| ≤ ε, eq 14) while that mean exceeds ε need not have |log r_i| > ε.

Paper definitions used: eq 9 log s± = mean of [±ℓ_t]₊; eq 13 l_i = sign(ℓ_i); eq 14 u_i = l_i ℓ_i − log s^(l_i).
Witness: ε = 1, T_τ = 3, ℓ = log r = (9/10, 9/10, 2).
"""
import sys
from fractions import Fraction as F

eps = F(1)
ell = [F(9, 10), F(9, 10), F(2)]
s_pos = sum(max(x, F(0)) for x in ell) / len(ell)
s_neg = sum(max(-x, F(0)) for x in ell) / len(ell)
same = [s_pos if x >= 0 else s_neg for x in ell]
u = [abs(x) - d for x, d in zip(ell, same)]
clipped = sum(abs(x) > eps for x in ell)
print(f"log s+ = {s_pos}, log s- = {s_neg}, u = {[str(v) for v in u]}")
print(f"case of p. 13: every |u_i| <= eps: {all(abs(v) <= eps for v in u)}; every same-sign drift > eps: "
      f"{all(d > eps for d in same)}")
print(f"tokens with |log r_i| > eps: {clipped} of {len(ell)} (more than half would need > {F(len(ell), 2)})")
shown = all(abs(v) <= eps for v in u) and all(d > eps for d in same) and clipped <= F(len(ell), 2)
print("shown (at most half clipped in the stated case):", shown)
sys.exit(0 if shown else 1)

"""p. 2 (and p. 10 (R), p. 20): FiberPO "exhibits a restorative gradient in the rollback regime that actively
corrects trajectory drift". The rollback slope −T_τ of g_agg opposes the drift only when Â > 0; with Â < 0,
gradient ascent on the objective pushes the aggregate further out (toward the zeroed regime).

Paper definitions used: eq 10 (p. 10) g_agg; eq 8 w; eqs 6-7 (per-token objective (1/T_τ) w r̃ Â, eq 17).
Witness: T_τ = 2, both tokens log r = x (so u_i = 0, v_i = 0, r̃ = 1), C⁺ = 1/10, C⁻ = 1/10, x = 3/25 in the
rollback band (1/10, 3/20). Objective of the trajectory f(x) = Σ_i (1/T) w(x) Â = w(x) Â, w = exp(g_agg(x, C⁺, 2)).
df/dx = g_agg'(x) w Â = −2 w Â (exact sign from eq 10's slope; w evaluated with math.exp, margin 1e-9).
Restorative means df/dx < 0 (ascent lowers the drift x).
"""
import math
import sys
from fractions import Fraction as F

T, C, x = 2, F(1, 10), F(3, 25)
assert C < x < (1 + F(1, T)) * C
slope = -T                                   # eq 10, rollback branch sign(x)(T+1)C − T x
g = (T + 1) * C - T * x
w = math.exp(float(g))
for A in (1, -1):
    dfdx = slope * w * A
    print(f"Â = {A:+d}: df/dx = {dfdx:+.6f} -> gradient ascent {'lowers' if dfdx < 0 else 'raises'} the drift log s⁺ = {x}")
shown = (slope * w * -1) > 1e-9
print("shown (not restorative for Â < 0):", shown)
sys.exit(0 if shown else 1)

"""Certificate: dkl-estimator-sign-typo (App. C.5.3 step 3, p. 31).

Written:  −log s_τ := D̂^(τ)_KL := (1/T_τ) Σ_t log r_t
Paper's definitions elsewhere: log s_τ := (1/T_τ) Σ_t log r_t (p. 13, p. 32) and eq 49
D̂^(τ)_KL := −(1/T_τ) Σ_t log r_t.  Witness: T_τ = 2, r = (2, 2).  Values need math.log; the two
sides differ by 2 log 2 ≈ 1.386, far beyond float error (margin 1e-9).
"""
import math
import sys

r = [2, 2]
T = len(r)
log_s = sum(math.log(x) for x in r) / T          # log s_τ
lhs = -log_s                                     # −log s_τ
written = sum(math.log(x) for x in r) / T        # (1/T_τ) Σ log r  (as written on p. 31)
eq49 = -sum(math.log(x) for x in r) / T          # D̂_KL by eq 49 (intended)
margin = 1e-9
print(f"−log s_τ = {lhs:.6f};  written (1/T_τ)Σ log r = {written:.6f};  eq 49 −(1/T_τ)Σ log r = {eq49:.6f}")
shown = abs(lhs - written) > margin and abs(lhs - eq49) <= margin
print("written ≠ −log s_τ, intended = −log s_τ:", shown)
sys.exit(0 if shown else 1)

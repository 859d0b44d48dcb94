"""δ(APC-Obj): p. 5 / Def C.1 eq 57 give (1−γ)²/(8γ‖Â‖∞)·M/T; Def D.4 eq 72 and Thm D.3 give (1−γ)M/(8γ‖Â‖∞) = t*.

One state s, X_s = {a1, a2}, n = (1, 1), T = T_s = 2, π_old = (1/2, 1/2) (so (65) is exact), Â = (1/2, −1/2) ((66)).
Per-state unit-TV maximiser (eq 69): ˆD_TV(s, Δ) = (1/T_s)Σ n|Δ| = 1, Σ nΔ = 0 ⇒ Δ̂* = (1, −1), M(s) = Σ n Δ̂* Â = 1.
M = (1/Γ)Σ_s Γ(s)/T_s M(s) (p. 35) = M(s)/T_s for one state.
"""
import sys
from fractions import Fraction as Fr

gamma = Fr(1, 2)
n, A = (1, 1), (Fr(1, 2), Fr(-1, 2))
T_s = sum(n); T = T_s
A_inf = max(abs(a) for a in A)
D_hat = (Fr(1), Fr(-1))
M = sum(ni * d * a for ni, d, a in zip(n, D_hat, A)) / T_s
t_star = (1 - gamma) / (8 * gamma * A_inf) * M            # Thm D.3
delta_main = (1 - gamma) ** 2 / (8 * gamma * A_inf) * M / T   # p. 5, eq 57
delta_72 = (1 - gamma) / (8 * gamma * A_inf) * M           # eq 72
print(f"γ = {gamma}, ‖Â‖∞ = {A_inf}, M = {M}, T = {T}")
print(f"δ(APC-Obj) by p. 5 / eq 57 = {delta_main};  by eq 72 = {delta_72};  t* (Thm D.3) = {t_star}")
print(f"APC-Obj update (Thm D.10 proof: Δ* = δ(APC-Obj)·Δ̂*): main text {tuple(map(str, (delta_main * d for d in D_hat)))}"
      f" vs TV-TRPO {tuple(map(str, (t_star * d for d in D_hat)))}")
shown = delta_72 == t_star and delta_main != t_star
sys.exit(0 if shown else 1)

"""D_TV(s) = ½Σ_a|π_old − π_θ| (eq 34) = ½E_{a∼π_old}|r − 1| (eq 37), but the estimators drop the ½:
ˆD_TV(s) = (1/T_s)Σ n|r − 1| (eq 39), ˆD̄(τ)_TV = (1/T_τ)Σ_t|r_t − 1| (eq 48), f = |r − 1| in eq 50, and the
penalty of eq 67; Lemma D.12 then states D_TV^max(π_old‖π_new) = t*.

One state s, A = {a1, a2}, π_old = (1/2, 1/2), each action sampled once (n = (1, 1), T_s = 2: empirical frequencies
equal π_old, so (65) holds exactly and there is no sampling error).
"""
import sys
from fractions import Fraction as Fr

pi_old, n = (Fr(1, 2), Fr(1, 2)), (1, 1)
T_s = sum(n)
def D_TV(pi_new):                          # eq 34
    return Fr(1, 2) * sum(abs(a - b) for a, b in zip(pi_old, pi_new))
def D_hat(pi_new):                         # eq 39 (= eq 48 for a trajectory visiting s with a1, a2)
    return Fr(1, T_s) * sum(k * abs(b / a - 1) for k, a, b in zip(n, pi_old, pi_new))

pi_theta = (Fr(3, 4), Fr(1, 4))
print(f"π_θ = (3/4, 1/4): D_TV(s) (34, 37) = {D_TV(pi_theta)},  ˆD_TV(s) (39) = ˆD̄(τ)_TV (48) = {D_hat(pi_theta)}")
c = Fr(4)                                  # 4γ‖Â‖∞/(1−γ)² placeholder: the ratio of penalties is c-free
print(f"eq 67 penalty / Monte-Carlo penalty of (56): {c * D_hat(pi_theta) ** 2 / (c * D_TV(pi_theta) ** 2)}")

# Lemma D.12: γ = 1/2, Â = (1/2, −1/2), Δ̂* = (1, −1), M = 1/2, t* = (1−γ)M/(8γ‖Â‖∞)
gamma, A_inf, M = Fr(1, 2), Fr(1, 2), Fr(1, 2)
t_star = (1 - gamma) * M / (8 * gamma * A_inf)
pi_new = tuple(p * (1 + t_star * d) for p, d in zip(pi_old, (1, -1)))
print(f"Lemma D.12: t* = {t_star}, π_new = {tuple(map(str, pi_new))}: D_TV^max(π_old‖π_new) = {D_TV(pi_new)}, "
      f"ˆD_TV = {D_hat(pi_new)}")
shown = D_hat(pi_theta) == 2 * D_TV(pi_theta) and D_TV(pi_new) == t_star / 2 and D_hat(pi_new) == t_star
sys.exit(0 if shown else 1)

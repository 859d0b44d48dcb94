"""Certificate: sample-tv-trpo-unsampled-states (Lemma B.2, p. 26; Lemma D.12, p. 41).

Definitions: Def B.1 (p. 26) B^TV-TR_δ(θold) = {π : D^max_TV(π_old‖π) ≤ δ}, D^max_TV = max_{s∈S} D_TV(s)
(eq 43), D_TV(s) = ½ Σ_a |π_old(a|s) − π(a|s)| (eq 34); δ(TRPO) = (1−γ)/(8γ) (eq 76);
sample-based TV-TRPO maximizes j(Δ) (eq 68) built from sampled states S[X] only, with
D̂_TV(s, Δ) = (1/T_s) Σ_{a∈X_s} n_{s,a} |Δ_{s,a}| (eq 39).
Witness: γ = 1/2, one real parameter θ (a 'function approximation' that realises every Δ at the
sampled state satisfying (65)); sampled state s1, X_s1 = {a1, a2}, n = (1, 1), π_old(·|s1) = (1/2, 1/2),
Â = (1/2, −1/2) (centred, (66)); π_θ(·|s1) = (½(1+θ), ½(1−θ)), so Δ_s1 = (θ, −θ) satisfies (65);
unsampled state s2: π_old(·|s2) = (1/2, 1/2), π_θ(·|s2) = (½(1+4θ), ½(1−4θ)), valid for |θ| ≤ 1/4.
"""
import sys
from fractions import Fraction as F

gamma = F(1, 2)
n = [1, 1]
A = [F(1, 2), F(-1, 2)]
T_s = sum(n)
A_inf = max(abs(a) for a in A)
delta_TRPO = (1 - gamma) / (8 * gamma)


def j(theta):                                    # eq 68 with S[X] = {s1}, Γ(s1)/Γ = 1
    Delta = [theta, -theta]
    lin = F(1) / (1 - gamma) * F(1, T_s) * sum(ni * d * a for ni, d, a in zip(n, Delta, A))
    D_hat = F(1, T_s) * sum(ni * abs(d) for ni, d in zip(n, Delta))
    return lin - 4 * gamma * A_inf / (1 - gamma) ** 2 * D_hat ** 2


# j is a quadratic in θ on θ ≥ 0; recover its coefficients exactly from three values
c0, j1, j2 = j(F(0)), j(F(1, 10)), j(F(2, 10))
c2 = (j2 - 2 * j1 + c0) / F(2, 100)               # second difference / (2 h²) with h = 1/10
c1 = (j1 - c0) / F(1, 10) - c2 * F(1, 10)
theta_star = -c1 / (2 * c2)
# verify the quadratic form and that θ* is the unique maximizer on the admissible range
grid = [F(k, 400) for k in range(-100, 101)]      # θ ∈ [−1/4, 1/4]
assert all(j(t) == c0 + c1 * t + c2 * t * t for t in grid if t >= 0)
assert all(j(t) < j(theta_star) for t in grid if t != theta_star)
M = F(1, T_s) * sum(ni * d * a for ni, d, a in zip(n, [1, -1], A))  # M = M(s1)/T_s, Δ̂* = (1, −1)
t_star = (1 - gamma) / (8 * gamma * A_inf) * M                     # Thm D.3

def D_TV(p_old, p_new):                           # eq 34
    return F(1, 2) * sum(abs(a - b) for a, b in zip(p_old, p_new))

th = theta_star
tv_s1 = D_TV([F(1, 2)] * 2, [F(1, 2) * (1 + th), F(1, 2) * (1 - th)])
tv_s2 = D_TV([F(1, 2)] * 2, [F(1, 2) * (1 + 4 * th), F(1, 2) * (1 - 4 * th)])
print(f"j(θ) = {c1}·θ + ({c2})·θ²;  unique maximizer θ* = {theta_star};  Thm D.3 t* = {t_star}")
print(f"δ(TRPO) = (1−γ)/(8γ) = {delta_TRPO}")
print(f"D_TV(s1) = {tv_s1} ≤ δ(TRPO): {tv_s1 <= delta_TRPO};  D_TV(s2) = {tv_s2} (unsampled)")
print(f"D^max_TV(π_old‖π_θ*) = {max(tv_s1, tv_s2)} ≤ δ(TRPO): {max(tv_s1, tv_s2) <= delta_TRPO}")
shown = theta_star == t_star and max(tv_s1, tv_s2) > delta_TRPO
sys.exit(0 if shown else 1)

"""Certificate: eq19-logit-chain-rule (eq 19, p. 16).

Eq 19: ∂Ĵ/∂θ = Σ_{i,j,k∈E} ∂z_k/∂θ · μ_i · J(G)_ij · r_j(δ_jk − (π_θ)_k) · Â_ψ(i),  Π_jk = ∂r_j/∂z_k,
with π_θ(·|s) = softmax(z(θ, s)) and E the sampled index set (Def 3.1).
(i)  one state, A = {a, b}, π_old = (1/2, 1/2), only a sampled: E = {a}, μ_a = 1, G = identity
     (J(G) = I), Â_a = 1, so Ĵ = r_a.  Parameter θ := z_b (z_a = 0 fixed), evaluated at θ = 0.
(ii) two states s1, s2 with two actions each, z ≡ 0: ∂r_(s1,a1)/∂z_(s2,a1) versus Π_jk of eq 19.
Derivatives of the true objective are central differences (math.exp), with a stated margin.
"""
import math
import sys


def softmax(z):
    m = max(z)
    e = [math.exp(x - m) for x in z]
    return [x / sum(e) for x in e]


h, margin = 1e-6, 1e-6                   # central-difference error is O(h²) ≈ 1e-12

# (i) unsampled-action logit
pi_old = [0.5, 0.5]


def J_hat(theta):                        # Ĵ = μ_a · G(r)_a · Â_a with G = identity, μ_a = Â_a = 1
    pi = softmax([0.0, theta])
    return pi[0] / pi_old[0]


true_grad = (J_hat(h) - J_hat(-h)) / (2 * h)
# eq 19: k ranges over E = {a}; ∂z_a/∂θ = 0 because θ is z_b
dz_a_dtheta = 0.0
r_a, pi_a = 1.0, 0.5
eq19 = dz_a_dtheta * 1.0 * 1.0 * r_a * (1 - pi_a) * 1.0
print(f"(i)  true ∂Ĵ/∂θ = {true_grad:.9f}   eq 19 = {eq19}")
shown_i = abs(true_grad - (-0.5)) < margin and abs(eq19 - true_grad) > 0.4

# (ii) cross-state entry of Π
def r_s1a1(z_s2a1):
    z = {"s1": [0.0, 0.0], "s2": [z_s2a1, 0.0]}
    return softmax(z["s1"])[0] / 0.5     # π_old(a1|s1) = 1/2


true_Pi = (r_s1a1(h) - r_s1a1(-h)) / (2 * h)
pi_k = softmax([0.0, 0.0])[0]            # (π_θ)_k = π_θ(a1|s2) = 1/2
eq19_Pi = 1.0 * (0 - pi_k)               # r_j(δ_jk − (π_θ)_k), j ≠ k
print(f"(ii) ∂r_(s1,a1)/∂z_(s2,a1) = {true_Pi}   Π_jk as written in eq 19 = {eq19_Pi}")
shown_ii = true_Pi == 0.0 and abs(eq19_Pi + 0.5) < margin

shown = shown_i and shown_ii
print("shown:", shown)
sys.exit(0 if shown else 1)

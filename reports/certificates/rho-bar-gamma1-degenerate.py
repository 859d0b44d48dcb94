"""App. A.1 (p. 21): ρ̄ := lim_{γ→1⁻}(1 − γ)ρ(γ) at γ = 1, with ρ(γ)(U) = E_τ[Σ_t γ^t 1_U(s_t)];
App. A.3.2 (p. 23): T_s/T ∼ ρ̄(s). For finite episodes the limit is the zero measure on the visited states.

One deterministic episode s0 → s1 → s2 → end (T_τ = 3). (1 − γ)ρ(γ)({s0, s1, s2}) = (1 − γ)(1 + γ + γ²) = 1 − γ³,
a polynomial, so its γ → 1⁻ limit is its value at γ = 1 (exact).
"""
import sys
from fractions import Fraction as Fr

T_tau = 3
def normalised_mass(gamma):                 # (1 − γ)ρ(γ)(visited states)
    return (1 - gamma) * sum(gamma ** t for t in range(T_tau))
limit = normalised_mass(Fr(1))              # polynomial in γ: continuous, limit = value at 1
near = normalised_mass(Fr(999, 1000))
counts = {f"s{t}": Fr(1, T_tau) for t in range(T_tau)}   # T_s / T
print(f"(1−γ)ρ(γ)(visited) at γ = 999/1000: {near};  limit γ → 1⁻: {limit}")
print(f"Σ_s T_s/T = {sum(counts.values())} (T_s/T = 1/3 each); corrected ρ(1)(s)/E[T_τ] = {Fr(1, T_tau)} each")
shown = limit == 0 and sum(counts.values()) == 1
sys.exit(0 if shown else 1)

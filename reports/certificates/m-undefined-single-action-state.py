"""Certificate: m-undefined-single-action-state (eq 69, p. 35).

Eq 69: Δ̂*_{s,•} := argmax Σ_{a∈X_s} n_{s,a} Δ_{s,a} Â_{s,a} subject to
  (i)  D̂_TV(s, Δ) = (1/T_s) Σ_{a∈X_s} n_{s,a} |Δ_{s,a}| = 1      (eq 39)
  (ii) Σ_{a∈X_s} n_{s,a} Δ_{s,a} = 0                              (eq 65)
M(s) := Σ n Δ̂* Â.  Witness: X_s = {a}, n_{s,a} = 1 (T_s = 1, every state in the LLM regime).
Constraint (ii) is linear in the single unknown, so it has the unique solution Δ_{s,a} = 0;
(i) is then evaluated at that solution.  A scan over rational Δ illustrates the same.
"""
import sys
from fractions import Fraction as F

n = {"a": 1}
T_s = sum(n.values())


def D_hat_TV(Delta):
    return F(1, T_s) * sum(n[a] * abs(Delta[a]) for a in n)


def prob_constraint(Delta):
    return sum(n[a] * Delta[a] for a in n)


# (ii): n_a Δ_a = 0 with n_a = 1 ≠ 0  ⇒  Δ_a = 0 is the only solution
only_solution = {"a": F(0) / n["a"]}
feasible_ii = [only_solution] if prob_constraint(only_solution) == 0 else []
feasible = [d for d in feasible_ii if D_hat_TV(d) == 1]
print(f"X_s = {{a}}, n = 1: solutions of Σ nΔ = 0: Δ_a = {only_solution['a']};"
      f" D̂_TV(s, Δ) there = {D_hat_TV(only_solution)} (eq 69 requires 1)")
scan = [{"a": F(k, 8)} for k in range(-40, 41)]
both = [d for d in scan if prob_constraint(d) == 0 and D_hat_TV(d) == 1]
with_tv1 = [d["a"] for d in scan if D_hat_TV(d) == 1]
print(f"scan Δ_a ∈ {{k/8 : |k| ≤ 40}}: D̂_TV = 1 at Δ_a ∈ {[str(x) for x in with_tv1]}, "
      f"Σ nΔ there = {[str(prob_constraint({'a': x})) for x in with_tv1]}; feasible points: {len(both)}")
print("feasible set of (69) empty ⇒ Δ̂*_s and M(s) undefined:", not feasible)
shown = not feasible and not both
sys.exit(0 if shown else 1)

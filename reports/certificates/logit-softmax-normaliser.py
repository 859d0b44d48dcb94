"""App. A.4 (p. 25): π_θ(a|s) = exp(z_{s,a}) / Σ_{a′:(s,a′)∈X} exp(z_{s,a′}) normalises over sampled actions only;
the policy's softmax (eq 19: π_θ(·|s) = softmax(z(θ, s))) normalises over A.
A = {a1, a2}, z_{s,·} ≡ 0 (exp(0) = 1 exactly), only a1 sampled at s."""
import sys
from fractions import Fraction as Fr

A = ("a1", "a2")
X_s = ("a1",)
exp_z = {a: Fr(1) for a in A}                 # exp(0)
pi_paper = exp_z["a1"] / sum(exp_z[a] for a in X_s)
pi_softmax = exp_z["a1"] / sum(exp_z[a] for a in A)
print(f"π_θ(a1|s) by A.4 (sum over sampled actions) = {pi_paper};  softmax over A = {pi_softmax}")
sys.exit(0 if pi_paper != pi_softmax else 1)

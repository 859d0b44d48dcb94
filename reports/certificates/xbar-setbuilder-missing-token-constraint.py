"""App. D.1 (p. 33): X_bar := {(s, a, tau, t) | (s, a) in X, tau in Tj, t in {0, ..., T_tau - 1}}
with the claims |X_bar| = T and n_{s,a} = |{(tau, t) | (s, a, tau, t) in X_bar}|.
The set-builder omits (s, a) = (s_t(tau), a_t(tau)); the main text (p. 6) writes
X_bar := {(s_t(tau), a_t(tau), tau, t)}.
Witness: one trajectory tau of length 2 visiting (s0, a0) at t = 0 and (s1, a1) at t = 1.
"""
import sys
from itertools import product

traj = {"tau": [("s0", "a0"), ("s1", "a1")]}
X = sorted({p for steps in traj.values() for p in steps})
n = {p: sum(steps.count(p) for steps in traj.values()) for p in X}      # sample multiplicity
T = sum(n.values())                                                      # T := sum n (p. 33)
written = {(s, a, tau, t) for (s, a), tau in product(X, traj) for t in range(len(traj[tau]))}
intended = {(s, a, tau, t) for tau, steps in traj.items() for t, (s, a) in enumerate(steps)}
n_written = {p: len({(tau, t) for (s, a, tau, t) in written if (s, a) == p}) for p in X}
print(f"T = {T}; |X_bar| as written (p. 33) = {len(written)}; |X_bar| intended (p. 6) = {len(intended)}")
print(f"n_(s0,a0): multiplicity = {n[('s0','a0')]}, count formula on written X_bar = {n_written[('s0','a0')]}")
sys.exit(0 if (len(written) != T and len(intended) == T and n_written[("s0", "a0")] != n[("s0", "a0")]) else 1)

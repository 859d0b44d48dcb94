"""C.5.1 step 1 (p. 30): J_hat = (1/T) sum_{(s,a,tau,t) in X} [clip(...) + 1] A: X is the set of sampled pairs (s, a)
(p. 33), so no 4-tuple (s, a, tau, t) lies in X and the sum is empty; intended X_bar (as in eq 57, 64).
Witness: X = {(s, a)} from one one-token trajectory."""
import sys

X = {("s", "a")}
X_bar = {("s", "a", "tau", 0)}
in_X = [e for e in X_bar if e in X]
print(f"4-tuples of X_bar that lie in X: {in_X} (sum over X as written is empty); |X_bar| = {len(X_bar)}")
sys.exit(0 if not in_X else 1)

"""Eq 5 (p. 8) weights each token by 1/T_τ; eq 6 (p. 9, FiberPO, stated to be the eq-5 form with G = R∘G∘F) and
App. E.5.3 (p. 47) weight it by 1/(|Tj| T_τ). Two trajectories of lengths 1 and 3."""
import sys
from fractions import Fraction as Fr

lengths = (1, 3)
Tj = len(lengths)
w5 = [Fr(1, T) for T in lengths for _ in range(T)]          # eq 5
w6 = [Fr(1, Tj) * Fr(1, T) for T in lengths for _ in range(T)]  # eq 6
print(f"|Tj| = {Tj}: eq 5 weights {list(map(str, w5))}, total {sum(w5)}")
print(f"        eq 6 weights {list(map(str, w6))}, total {sum(w6)}")
shown = all(a == Tj * b for a, b in zip(w5, w6)) and sum(w5) != sum(w6)
sys.exit(0 if shown else 1)

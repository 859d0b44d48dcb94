"""eq 81 (p. 49): sum_{i=1}^{T_j} over tokens of trajectory j; p. 50 defines log s_j^(g)+- with sum_{i=0}^{T_j - 1},
and C.3 / E.6 set i := t with t in {0, ..., T_tau - 1} (p. 29, 33). Witness T_j = 2: token indices differ.
Per-token terms m_i exist only for i in {0, 1}."""
import sys
from fractions import Fraction as F

Tj = 2
defined = set(range(0, Tj))          # i = t in {0, ..., T_j - 1}
eq81 = set(range(1, Tj + 1))         # i = 1, ..., T_j
m = {0: F(3), 1: F(5)}               # per-token summands (any values)
print(f"indices with a token: {sorted(defined)}; indices summed by eq 81: {sorted(eq81)}")
print(f"omitted token(s): {sorted(defined - eq81)}; undefined index(es) used: {sorted(eq81 - defined)}")
print(f"intended (1/T_j) sum = {sum(m.values()) / Tj}; eq 81 as written uses m_2, which does not exist")
sys.exit(0 if eq81 != defined else 1)

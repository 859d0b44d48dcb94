"""App. E.5.4 (p. 48): 'We decompose the above into a stricter clipping by clipping positive and negative log ratios
separately' holds only when the opposite channel is within its budget.

clip(a, ±B) := clip(a, −B⁺, B⁺), B⁺ = max(B, 0) (Def 3.2, p. 5).
unsplit (p. 47):  clip(log r, ±(T δ − T log s⁺ − T log s⁻ + |log r|))
split   (p. 48):  clip(log r, ±(T C^(l) − T log s^(l) + l log r)),  C⁺ + C⁻ = δ;  log s± by eq 9.
"""
import sys
from fractions import Fraction as Fr

def clip(a, B):
    b = max(B, 0)
    return min(max(a, -b), b)

def aggregates(ell):
    T = len(ell)
    return sum(max(x, 0) for x in ell) / T, sum(max(-x, 0) for x in ell) / T

Cp, Cm = Fr(1, 5), Fr(1, 10)
delta = Cp + Cm
ell = (Fr(1, 10), Fr(-3, 5))
T = len(ell)
sp, sm = aggregates(ell)
x = ell[0]; l = 1
unsplit = clip(x, T * delta - T * sp - T * sm + abs(x))
split = clip(x, T * Cp - T * sp + l * x)
print(f"T_τ = {T}, C⁺ = {Cp}, C⁻ = {Cm}, log r = {tuple(map(str, ell))}: log s⁺ = {sp}, log s⁻ = {sm} (> C⁻)")
print(f"token 1: unsplit clip = {unsplit},  channel-split clip = {split}")
# control: with the opposite channel inside its budget the split is no looser
ell2 = (Fr(1, 10), Fr(-1, 10)); sp2, sm2 = aggregates(ell2)
ok2 = abs(clip(ell2[0], T * Cp - T * sp2 + ell2[0])) <= abs(clip(ell2[0], T * delta - T * sp2 - T * sm2 + abs(ell2[0])))
shown = sm > Cm and abs(split) > abs(unsplit) and ok2
sys.exit(0 if shown else 1)

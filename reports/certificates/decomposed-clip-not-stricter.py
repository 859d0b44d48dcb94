"""App. E.5.4 (p. 48): the decomposed clip is claimed 'stricter (absolute value strictly less than the above)' than
the channel-split clip; it is not when the channel is zeroed.

clip(a, ±B) := clip(a, −B⁺, B⁺) (Def 3.2).  log s± by eq 9,  l = sign(log r) (eq 13).
channel-split:  clip(log r, ±(T C^(l) − T log s^(l) + l log r))
decomposed:     l·clip(l log r − log s^(l), ±ε) + clip(l log s^(l), ±(T C^(l) − T log s^(l) − (ε − l log r)))
eq 77 / eq 78:  l·clip(l log r − log s^(l), ±ε) + l·g_agg(log s^(l), (T C^(l) − (ε − l log r))/(T + 1), T)
"""
import sys
from fractions import Fraction as Fr

def clip(a, B):
    b = max(B, 0)
    return min(max(a, -b), b)

def g_agg(x, C, k):                          # eq 78
    if abs(x) <= C:
        return x
    if C < abs(x) < (1 + Fr(1, k)) * C:
        return (1 if x > 0 else -1) * (k + 1) * C - k * x
    return Fr(0)

Cp, eps = Fr(1, 5), Fr(1, 20)
ell = (Fr(1, 5), Fr(1, 2))
T = len(ell)
sp = sum(max(x, 0) for x in ell) / T
x, l = ell[0], 1
split = clip(x, T * Cp - T * sp + l * x)
decomposed = l * clip(l * x - sp, eps) + clip(l * sp, T * Cp - T * sp - (eps - l * x))
eq77 = l * clip(l * x - sp, eps) + l * g_agg(sp, (T * Cp - (eps - l * x)) / (T + 1), T)
print(f"T_τ = {T}, C⁺ = {Cp}, ε = {eps}, log r = {tuple(map(str, ell))}: log s⁺ = {sp} > (1 + 1/T)C⁺ = {(1 + Fr(1, T)) * Cp}")
print(f"token 1: channel-split clip = {split},  decomposed clip = {decomposed} (eq 77 gives {eq77})")
shown = decomposed == eq77 and abs(decomposed) > abs(split)
sys.exit(0 if shown else 1)

"""§5.1 (p. 12) and Fig 2 caption (p. 11): 'G-II,r (one channel rolling back): |log w| is rising';
'G-III,r (mutual rollback): |log w| is declining'. Both fail off Fig 2b's diagonal.

g_agg: eq 10/78; log w = g_agg(log s⁺, C⁺, k) − g_agg(log s⁻, C⁻, k) (eq 8); Fig 2b: C⁺ = 1/5, C⁻ = 1/10, k = 2.
Regime of a channel: pass |x| ≤ C, rollback C < |x| < (1 + 1/k)C, zero otherwise.
"""
import sys
from fractions import Fraction as Fr

Cp, Cm, k = Fr(1, 5), Fr(1, 10), 2
def g_agg(x, C):
    if abs(x) <= C:
        return x
    if C < abs(x) < (1 + Fr(1, k)) * C:
        return (k + 1) * C - k * x
    return Fr(0)
def regime(x, C):
    return "pass" if x <= C else ("rollback" if x < (1 + Fr(1, k)) * C else "zero")
def log_w(sp, sm):
    return g_agg(sp, Cp) - g_agg(sm, Cm)

def probe(direction, rhos):
    rows = []
    for rho in rhos:
        sp, sm = direction[0] * rho, direction[1] * rho
        rows.append((rho, regime(sp, Cp), regime(sm, Cm), abs(log_w(sp, sm))))
    for rho, rp, rm, v in rows:
        print(f"  ρ = {rho}: (log s⁺, log s⁻) = ({direction[0] * rho}, {direction[1] * rho}), regimes ({rp}, {rm}), |log w| = {v}")
    return rows

print("G-II,r on the ray (ρ, 2ρ): claimed rising")
r1 = probe((1, 2), (Fr(11, 200), Fr(3, 50)))
print("G-III,r on the ray (ρ, 2ρ/5): claimed declining")
r2 = probe((1, Fr(2, 5)), (Fr(13, 50), Fr(29, 100)))
g2r = all((a, b) in (("pass", "rollback"), ("rollback", "pass")) for _, a, b, _ in r1)
g3r = all(a == "rollback" and b == "rollback" for _, a, b, _ in r2)
shown = g2r and r1[1][3] < r1[0][3] and g3r and r2[1][3] > r2[0][3]
sys.exit(0 if shown else 1)

"""Certificate: remark-d7-delta-for-advantage (Remark D.7, p. 37; eqs 72–74, Lemma D.6).

Eq 72 (per entry (s,a,τ,t) of X̄, bound B = T_s δ − Σ_{other entries at s} |r_{s,a'} − 1|):
   Ĵ = 1/((1−γ)Γ) Σ_s Γ(s)/T_s Σ_{entries} [clip(r − 1, B) Â + Â]
Eq 73: j = 1/((1−γ)Γ) Σ_s Γ(s)/T_s Σ_a [n clip(Δ_a, T_s δ − Σ_a' (n_a' − δ_aa')|Δ_a'|) Â_a + n (1 − C(Δ)_s) Â_a]
Eq 74: C(Δ)_s = (1/T_s) Σ_a n clip(Δ_a, same bound);  clip(x, B) := clip(x, −B⁺, B⁺).
Remark D.7 says (73) and (72) differ by the term 1/((1−γ)Γ) Σ Γ(s) C(Δ)_s/T_s Σ_a n Δ (which is 0 by (65)).
Witness: one state (prefactor Γ(s)/((1−γ)Γ) = 1), X_s = {a1, a2}, n = (1, 2), δ = 1/4,
Δ = (−1/2, 1/4) (satisfies (65)), Â = (1, 0) (violates (66), so that the two candidate terms differ;
under (66) both are 0 and the Remark's conclusion holds).
"""
import sys
from fractions import Fraction as F


def clip(x, B):
    Bp = max(B, 0)
    return max(-Bp, min(Bp, x))


n = [1, 2]
delta = F(1, 4)
Delta = [F(-1, 2), F(1, 4)]
A = [F(1), F(0)]
T_s = sum(n)
assert sum(ni * d for ni, d in zip(n, Delta)) == 0       # (65)

# eq 72: one term per entry; entries = action index repeated n_a times
entries = [a for a, na in enumerate(n) for _ in range(na)]
J72 = F(0)
for e, a in enumerate(entries):
    B = T_s * delta - sum(abs(Delta[a2]) for e2, a2 in enumerate(entries) if e2 != e)
    J72 += clip(Delta[a], B) * A[a] + A[a]
J72 /= T_s

# eqs 73–74
def bound(a):
    return T_s * delta - sum((n[a2] - (1 if a2 == a else 0)) * abs(Delta[a2]) for a2 in range(len(n)))

C = F(1, T_s) * sum(n[a] * clip(Delta[a], bound(a)) for a in range(len(n)))
J73 = F(1, T_s) * sum(n[a] * clip(Delta[a], bound(a)) * A[a] + n[a] * (1 - C) * A[a] for a in range(len(n)))

written = C / T_s * sum(ni * d for ni, d in zip(n, Delta))     # Remark D.7 as written
intended = -C / T_s * sum(ni * a for ni, a in zip(n, A))      # Lemma D.6's proof
print(f"C(Δ)_s = {C};  (73) − (72) = {J73 - J72}")
print(f"written term  C(Δ)_s/T_s Σ_a n Δ = {written};  intended term −C(Δ)_s/T_s Σ_a n Â = {intended}")
shown = (J73 - J72) == intended and (J73 - J72) != written
print("difference equals the Â term, not the Δ term:", shown)
sys.exit(0 if shown else 1)

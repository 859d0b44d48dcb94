"""Proof of Thm D.10 (p. 40): the second line of the chain for j^(APC-Obj)(D*) is written with '='
   j(D*) = j(D**) - Gamma(s)/((1-g)Gamma) * M(s)/T_s * (delta - Dhat_TV(s, proj(G(D*))))
but the preceding line (p. 39, from eq 70) only gives
   sum_a n proj(G(D*))_{s,a} A_{s,a} <= Dhat_TV(s, proj(G(D*))) M(s),
so the step is '<=' (the conclusion j(D*) < j(D**) is unaffected).

Paper definitions used:
  eq 73/74 (p. 37): j(D, delta) = 1/((1-g)Gamma) sum_s Gamma(s)/T_s sum_a [ n clip(D_a, T_s delta - sum_a'(n_a' - [a=a'])|D_a'|) A_a
                                                                          + n (1 - C(D)_s) A_a ],
                    C(D)_s = (1/T_s) sum_a n clip(D_a, same bound);  clip(a, B) = clip(a, -B+, B+), B+ = max(B, 0) (p. 36-37).
  Def D.8 (p. 37): G(u)_a = clip(u_a, T_s(delta - Dhat_TV(s,u)) + |u_a|), proj(G(u)) = G(u) - C(G(u))_s.
  eq 69, M(s); p. 35 M; eq 72 delta^(APC-Obj) = (1-g) M/(8 g ||A||_inf).
Witness: one state s, three actions sampled once each at t = 0 (three one-token trajectories), A = (1, 0, -1)
(centred, eq 66), gamma = 1/2, D* = (0, 1/4, -1/4) (centred, eq 65), D** = delta Dhat*_s.
"""
import sys
from fractions import Fraction as F

g = F(1, 2)
n = (1, 1, 1)
Ts = 3
A = (F(1), F(0), F(-1))
Gs, Gam = F(3), F(3)            # Gamma(s) = 3 * gamma^0, single state
Ainf = F(1)

def clip(a, B):
    Bp = max(B, F(0))
    return max(-Bp, min(a, Bp))

def dtv(D):
    return sum(ni * abs(d) for ni, d in zip(n, D)) / Ts

def bound(D, a, delta):
    return Ts * delta - sum((n[b] - (1 if a == b else 0)) * abs(D[b]) for b in range(3))

def C(D, delta):
    return sum(n[a] * clip(D[a], bound(D, a, delta)) for a in range(3)) / Ts

def j(D, delta):
    c = C(D, delta)
    inner = sum(n[a] * clip(D[a], bound(D, a, delta)) * A[a] + n[a] * (1 - c) * A[a] for a in range(3))
    return Gs / Ts * inner / ((1 - g) * Gam)

# M(s): maximize sum n D A over centred D with Dhat_TV = 1; value = T_s (max A - min A)/2, attained at (3/2, 0, -3/2)
hat = (F(3, 2), F(0), F(-3, 2))
assert dtv(hat) == 1 and sum(hat) == 0
Ms = sum(ni * d * a for ni, d, a in zip(n, hat, A))
assert Ms == Ts * (max(A) - min(A)) / 2
M = Gs / Ts * Ms / Gam
delta = (1 - g) * M / (8 * g * Ainf)

Dstar = (F(0), F(1, 4), F(-1, 4))
Dss = tuple(delta * h for h in hat)
Gu = tuple(clip(u, Ts * (delta - dtv(Dstar)) + abs(u)) for u in Dstar)
proj = tuple(v - C(Gu, delta) for v in Gu)
V = sum(ni * p * a for ni, p, a in zip(n, proj, A))
print(f"delta^(APC) = {delta}, Dhat_TV(s, D*) = {dtv(Dstar)} > delta, proj(G(D*)) = {proj}, Dhat_TV(s, proj) = {dtv(proj)}")
print(f"sum n proj(G(D*)) A = {V}   vs   Dhat_TV(s, proj(G(D*))) M(s) = {dtv(proj) * Ms}")
lhs = j(Dstar, delta)
rhs = j(Dss, delta) - Gs / ((1 - g) * Gam) * Ms / Ts * (delta - dtv(proj))
print(f"j(D*) = {lhs}")
print(f"paper's right side j(D**) - Gamma(s)/((1-g)Gamma) M(s)/T_s (delta - Dhat_TV(s, proj G(D*))) = {rhs}")
print(f"'=' fails: {lhs != rhs};  the intended '<=' holds: {lhs <= rhs};  conclusion j(D*) < j(D**): {lhs < j(Dss, delta)}")
sys.exit(0 if (lhs != rhs and lhs <= rhs) else 1)

"""Theorem D.3 (p. 35-36) and eq 71 (p. 35) at a state whose sampled advantages are all equal (M(s) = 0).

Paper definitions used:
  p. 33 (D.1): n_{s,a}, T_s = sum_a n_{s,a}, Gamma(s) = sum_{tokens at s} gamma^t, Gamma = sum_s Gamma(s).
  eq 68 (p. 34): j(D) = 1/((1-g)Gamma) sum_s Gamma(s)/T_s sum_a n D A
                        - 4 g ||A||_inf/(1-g)^2 * (max_s Dhat_TV(s, D))^2,
                 Dhat_TV(s, D) = (1/T_s) sum_a n |D|.
  p. 34 (Def D.1): among maximizers, the one with smallest sum_s (1/T_s) sum_a |D|^2 is selected.
  eq 69: Dhat*_s = argmax sum_a n D A s.t. Dhat_TV(s,D)=1, sum_a n D = 0;  M(s) its value.
  p. 35: M = (1/Gamma) sum_s Gamma(s)/T_s M(s);  Thm D.3: D*_{s,a} = t* Dhat*_{s,a}, t* = (1-g) M/(8 g ||A||_inf).
  eq 71: with Dhat_TV(s, D) <= c the maximum is attained at c* = c, i.e. the argmax is c Dhat*_s.

Witness: two states, two actions each, every pair sampled once at t = 0 (four one-token trajectories),
A(s1) = (1, -1), A(s2) = (0, 0) (both centred, eq 66), gamma = 1/2.
"""
import sys
from fractions import Fraction as F

g = F(1, 2)
A = {"s1": (F(1), F(-1)), "s2": (F(0), F(0))}
n = (1, 1)
Ts = 2
Gam = {"s1": F(2), "s2": F(2)}          # two tokens at each state, both at t = 0: gamma^0 + gamma^0
GamT = sum(Gam.values())
Ainf = max(abs(a) for v in A.values() for a in v)

def dtv(D):
    return sum(ni * abs(d) for ni, d in zip(n, D)) / Ts

def lin(s, D):
    return sum(ni * d * a for ni, d, a in zip(n, D, A[s]))

def j(D1, D2):
    L = (Gam["s1"] / Ts * lin("s1", D1) + Gam["s2"] / Ts * lin("s2", D2)) / ((1 - g) * GamT)
    return L - 4 * g * Ainf / (1 - g) ** 2 * max(dtv(D1), dtv(D2)) ** 2

# M(s): with two actions sampled once, the centred constraint (65) forces D = (x, -x); Dhat_TV = |x| = 1.
M_s = {s: max(lin(s, (x, -x)) for x in (F(1), F(-1))) for s in A}
M = sum(Gam[s] / Ts * M_s[s] for s in A) / GamT
tstar = (1 - g) * M / (8 * g * Ainf)
print(f"M(s1) = {M_s['s1']}, M(s2) = {M_s['s2']}, M = {M}, t* = {tstar}")

# Every feasible D is ((x,-x),(y,-y)); j = x - 8 max(|x|,|y|)^2 <= x - 8 x^2 <= 1/32 for all real x, y.
grid = [F(k, 256) for k in range(-48, 49)]
vals = {(x, y): j((x, -x), (y, -y)) for x in grid for y in grid}
jmax = max(vals.values())
maximizers = [xy for xy, v in vals.items() if v == jmax]
bound_ok = all(v <= x - 8 * x * x <= F(1, 32) for (x, y), v in vals.items())
print(f"max j on grid = {jmax} (analytic bound 1/32 holds on grid: {bound_ok})")
print(f"maximizers: x in {sorted({x for x, _ in maximizers})}, y from {min(y for _, y in maximizers)} to {max(y for _, y in maximizers)}")
sel = min(maximizers, key=lambda xy: xy[0] ** 2 + xy[1] ** 2)   # (1/T_s) * 2 * x^2 = x^2 per state
print(f"Def D.1 min-L2 selected maximizer: D*_s1 = ({sel[0]}, {-sel[0]}), D*_s2 = ({sel[1]}, {-sel[1]})")
print(f"Dhat_TV(s2, D*) = {dtv((sel[1], -sel[1]))}   but Thm D.3 (D*_s2 = t* Dhat*_s2) requires Dhat_TV(s2) = t* = {tstar}")

# eq 71 at s2 with c = t*: max of sum n D A over Dhat_TV <= c is 0, attained also by c* = 0 (D = 0), not only c* = c.
c = tstar
ball = [y for y in grid if abs(y) <= c]
best = max(lin("s2", (y, -y)) for y in ball)
att = sorted({dtv((y, -y)) for y in ball if lin("s2", (y, -y)) == best})
print(f"eq 71 at s2, c = {c}: max = {best}, attained at radii c* in {{{att[0]}, ..., {att[-1]}}} (paper: only c* = c)")

shown = (jmax == F(1, 32) and bound_ok and sel == (F(1, 16), F(0)) and dtv((sel[1], -sel[1])) != tstar
         and att[0] == 0 and M_s["s2"] == 0)
sys.exit(0 if shown else 1)

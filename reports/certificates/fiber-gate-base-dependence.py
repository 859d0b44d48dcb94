"""Thm 4.5 (p. 8) / App. E.4 (p. 45): the identity conditions on g and g′ do not make dG(F(1)) = I when the fiber
gate g_Fiber,i,pB depends on the base density p_B (allowed by Def 4.3, item 4).

Instance: E = {1, 2} over one base point b; π_E*σ = σ1 + σ2; K(·|b) = (1/2, 1/2) (π_E*∘K = id);
F(r) = r − 1, R(σ) = σ + 1 (R∘F = id); g_Base = id; g_Fiber,i,pB(x) = x + (p_B − π_E*F(1)).
G(σ)_i = K(g_Base(π_E*σ))_i + g_Fiber,i,π_E*σ(σ_i − K(π_E*σ)_i)   (eq 4).
"""
import sys
from fractions import Fraction as Fr

K = (Fr(1, 2), Fr(1, 2))
F = lambda r: tuple(ri - 1 for ri in r)
R = lambda s: tuple(si + 1 for si in s)
push = lambda s: sum(s)
p0 = push(F((1, 1)))
g_base = lambda x: x
g_fiber = lambda x, pB: x + (pB - p0)

def G(s):
    pB = push(s)
    return tuple(K[i] * g_base(pB) + g_fiber(s[i] - K[i] * pB, pB) for i in range(2))

# identity conditions at the on-policy density (Thm 4.5): values and unit slopes
s1 = F((1, 1)); h = Fr(1, 10**6)
res = s1[0] - K[0] * push(s1)
conds = (g_fiber(res, p0) == res, (g_fiber(res + h, p0) - g_fiber(res, p0)) / h == 1,
         g_base(p0) == p0, (g_base(p0 + h) - g_base(p0)) / h == 1)
# all maps are affine, so a finite difference is the exact derivative
d_gated = (R(G(F((1 + h, 1))))[0] - R(G(F((1, 1))))[0]) / h
d_plain = (R(F((1 + h, 1)))[0] - R(F((1, 1)))[0]) / h
print(f"identity conditions hold: {all(conds)}; G(F(1)) = {G(s1)} = F(1) = {s1}")
print(f"∂(R∘G∘F)(r)_1/∂r_1 at r = 1: {d_gated}")
print(f"∂(R∘F)(r)_1/∂r_1 at r = 1:   {d_plain}")
shown = all(conds) and G(s1) == s1 and d_gated != d_plain
sys.exit(0 if shown else 1)

"""RGF-1 proved: the (E, μ, G) forms of PPO, GRPO and GSPO (App. C.4) equal the standard losses, by SymPy and by z3.

Both sides are sums over samples with the same weights μ (PPO: n_{s,a}/T summed over distinct pairs = 1/T per sample;
GRPO and GSPO: 1/(|Tj| T_τ)), so each identity reduces to one term: per token for PPO/GRPO,
sign(Â) min(clip(r) sign(Â), r sign(Â)) Â = min(r Â, clip(r) Â); per trajectory for GSPO, with S = Σ_t Â_t and
s the geometric-mean ratio, Σ_t l min(clip(s) l, s l) Â_t / T = min(s S/T, clip(s) S/T), l = sign S. SymPy proves the
term identity on every (region of r, sign of Â) case, for every T; z3 proves the summed identity for T ≤ Z3_TOKENS.
A failure is re-evaluated in exact rationals (fractions) before it is reported.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import sympy as sp
import z3

from fiberpo_check.verification.checks.sign_cases import equal_on_regions

Z3_TOKENS = 2
R, EPS, ADV, TOKENS = sp.Symbol("r", positive=True), sp.Symbol("epsilon", positive=True), sp.Symbol("A", real=True), \
    sp.Symbol("T", positive=True, integer=True)
_P, _E, _A = sp.symbols("p e a", positive=True)
EPS_IN_UNIT = 1 / (1 + _E)  # ε ∈ (0, 1)
RATIO_REGIONS = {"r < 1 − ε": (1 - EPS_IN_UNIT) / (1 + _P), "1 − ε < r < 1 + ε": 1 - EPS_IN_UNIT + 2 * EPS_IN_UNIT / (1 + _P),
                 "r > 1 + ε": 1 + EPS_IN_UNIT + _P}
SIGNS = {"Â > 0": _A, "Â < 0": -_A, "Â = 0": sp.Integer(0)}
REGIONS = {f"{rn}, {an}": {R: r, ADV: a, EPS: EPS_IN_UNIT} for rn, r in RATIO_REGIONS.items() for an, a in SIGNS.items()}
WITNESS = {_P: 1, _E: 1, _A: 1}  # p = e = a = 1: ε = 1/2 and one rational point per region


def ratio_clip(x, eps):
    """clip(x, 1 ± ε)."""
    return sp.Min(sp.Max(x, 1 - eps), 1 + eps)


def paper_gate(ratio, eps, sign):
    """G_PPO (App. C.4): sign · min(clip(r, 1 ± ε) sign, r sign); with r := s_τ and sign := l_τ it is G_GSPO."""
    return sign * sp.Min(ratio_clip(ratio, eps) * sign, ratio * sign)


def ppo_term(ratio, eps, adv):
    """The standard PPO term min(r Â, clip(r, 1 ± ε) Â)."""
    return sp.Min(ratio * adv, ratio_clip(ratio, eps) * adv)


@lru_cache(maxsize=8)
def sympy_identity(gate=paper_gate) -> dict:
    """Per-region differences (RGF term − standard term) for PPO/GRPO and GSPO; empty dicts mean proved."""
    token = equal_on_regions(gate(R, EPS, sp.sign(ADV)) * ADV, ppo_term(R, EPS, ADV), REGIONS)
    # GSPO: ADV stands for S = Σ_t Â_t; RGF side Σ_t l G Â_t / T = l G S / T, standard side min(s S/T, clip(s) S/T)
    trajectory = equal_on_regions(gate(R, EPS, sp.sign(ADV)) * ADV / TOKENS, ppo_term(R, EPS, ADV / TOKENS), REGIONS)
    return {"ppo": token, "grpo": token, "gspo": trajectory}


def fraction_gate_term(ratio: Fraction, eps: Fraction, adv: Fraction, signed: bool = True) -> tuple[Fraction, Fraction]:
    """(RGF term, standard term) in exact rationals, evaluated independently of SymPy (signed=False drops sign Â)."""
    clip = min(max(ratio, 1 - eps), 1 + eps)
    sign = (adv > 0) - (adv < 0) if signed else 1
    return sign * min(clip * sign, ratio * sign) * adv, min(ratio * adv, clip * adv)


def counterexample(region: str, signed: bool) -> str:
    """The region's witness point re-evaluated in exact rationals; '' if the rationals show no difference."""
    point = {str(k): sp.Rational(v.subs(WITNESS)) for k, v in REGIONS[region].items()}
    ratio, eps, adv = (Fraction(int(point[n].p), int(point[n].q)) for n in ("r", "epsilon", "A"))
    rgf, standard = fraction_gate_term(ratio, eps, adv, signed)
    if rgf == standard:
        return ""
    return f"r = {ratio}, ε = {eps}, Â = {adv}: RGF term {rgf} ≠ standard term {standard}"


@lru_cache(maxsize=8)
def z3_identity(tokens: int, signed: bool = True) -> dict[str, bool]:
    """z3: the summed PPO/GRPO identity over `tokens` tokens and the GSPO identity over one trajectory of them."""
    eps = z3.Real("epsilon")
    ratios = [z3.Real(f"r_{i}") for i in range(tokens)]
    advs = [z3.Real(f"A_{i}") for i in range(tokens)]

    def sign(x):
        return z3.If(x > 0, 1, z3.If(x < 0, -1, 0)) if signed else z3.RealVal(1)

    def zmin(x, y):
        return z3.If(x <= y, x, y)

    def clip(x):
        return z3.If(x < 1 - eps, 1 - eps, z3.If(x > 1 + eps, 1 + eps, x))

    def gate(x, s):
        return s * zmin(clip(x) * s, x * s)

    domain = [eps > 0, eps < 1, *[x > 0 for x in ratios]]
    token_rgf = sum(gate(x, sign(a)) * a for x, a in zip(ratios, advs)) / tokens
    token_std = sum(zmin(x * a, clip(x) * a) for x, a in zip(ratios, advs)) / tokens
    seq, total = ratios[0], sum(advs)
    seq_rgf = sum(gate(seq, sign(total)) * a for a in advs) / tokens
    seq_std = zmin(seq * total / tokens, clip(seq) * total / tokens)
    proved = {}
    for name, (lhs, rhs) in {"ppo": (token_rgf, token_std), "gspo": (seq_rgf, seq_std)}.items():
        solver = z3.Solver()
        solver.add(*domain, lhs != rhs)
        proved[name] = solver.check() == z3.unsat
    proved["grpo"] = proved["ppo"]
    return proved

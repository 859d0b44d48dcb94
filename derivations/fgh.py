"""Fibration Gating Hierarchy: compact vs expanded form, first order, independence, FiberPO-Domain (Sec. 6, E.7)."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Callable

import sympy as sp

from fiberpo_check.engine.exact_gates import frac_clip, frac_g_agg

from .formula import Family, Part, Search, Statement, clip, pos, token_gated_residual, var
from .registry import derivation

TITLE = "Fibration Gating Hierarchy and FiberPO-Domain"
FIBERS = ([2], [2, 1], [2, 2, 1])  # B0 ← B1 ← B2 ← B3 = E: fiber sizes of π1, π2, π3 (|B| = 1, 2, 3, 5)


def pushforward(fiber_sizes: list[int]) -> sp.Matrix:
    """π_*: sums each fiber's densities (a 0/1 matrix with one row per base point)."""
    rows, start = [], 0
    total = sum(fiber_sizes)
    for size in fiber_sizes:
        rows.append([1 if start <= j < start + size else 0 for j in range(total)])
        start += size
    return sp.Matrix(rows)


def matrix_eq(lhs: sp.Matrix, rhs: sp.Matrix) -> sp.Boolean:
    """Entrywise equality of two matrices, as one conjunction."""
    return sp.And(*(sp.Eq(a, b, evaluate=False) for a, b in zip(lhs, rhs)))


def densities() -> sp.Matrix:
    """σ on E (five points)."""
    return sp.Matrix([var(f"sigma_{i}") for i in range(1, 6)])


def hierarchy():
    """Pushforward matrices P_k = π_k* and symbolic kernels K_{k−1}: B_{k−1} → B_k (any entries)."""
    pushes = [pushforward(f) for f in FIBERS]
    kernels = [sp.Matrix(p.shape[1], p.shape[0], lambda i, j, k=k: var(f"K{k}_{i}{j}"))
               for k, p in enumerate(pushes)]
    return pushes, kernels


def push_to(pushes, k: int) -> sp.Matrix:
    """π_{k←n}*: pushforward from E to stratum k (eq 25)."""
    n = len(pushes)
    m = sp.eye(pushes[-1].shape[1])
    for level in range(n, k, -1):
        m = pushes[level - 1] * m
    return m


def reflect_from(kernels, k: int) -> sp.Matrix:
    """K_{n←k}: reflection from stratum k back to E (eq 23)."""
    n = len(kernels)
    m = sp.eye(kernels[k].shape[1]) if k < n else sp.eye(kernels[-1].shape[0])
    for level in range(k, n):
        m = kernels[level] * m
    return m


def gate(k: int, vec: sp.Matrix) -> sp.Matrix:
    """g_k applied pointwise (locality condition (iii)): an undefined function per base point."""
    return sp.Matrix([sp.Function(f"g{k}_{b}")(sp.expand(v)) for b, v in enumerate(vec)])


def paper_residual(sigma_k: sp.Matrix, kernel_prev: sp.Matrix, push_k: sp.Matrix) -> sp.Matrix:
    """σ_k − K_{k−1} π_k* σ_k (eq 28)."""
    return sigma_k - kernel_prev * push_k * sigma_k


def expanded(sigma, pushes, kernels, gates: Callable = gate) -> sp.Matrix:
    """Eq 26: K_{n←0} g0(π_{0←n}σ) + Σ_k K_{n←k} g_k(π_{k←n}σ − K_{k−1}π_{k−1←n}σ)."""
    out = reflect_from(kernels, 0) * gates(0, push_to(pushes, 0) * sigma)
    for k in range(1, len(pushes) + 1):
        residual = push_to(pushes, k) * sigma - kernels[k - 1] * push_to(pushes, k - 1) * sigma
        out += reflect_from(kernels, k) * gates(k, residual)
    return out


def compact(sigma, pushes, kernels, residual: Callable = paper_residual, gates: Callable = gate) -> sp.Matrix:
    """Eqs 27–28: Σ_k K_{n←k} G_k(π_{k←n}σ), G_k(σ_k) = g_k(σ_k − K_{k−1}π_k*σ_k)."""
    out = reflect_from(kernels, 0) * gates(0, push_to(pushes, 0) * sigma)
    for k in range(1, len(pushes) + 1):
        sigma_k = push_to(pushes, k) * sigma
        out += reflect_from(kernels, k) * gates(k, residual(sigma_k, kernels[k - 1], pushes[k - 1]))
    return out


FIXED = "the depth-3 hierarchy with |B_0|, …, |B_3| = 1, 2, 3, 5 and arbitrary kernels"


def instance(statement: Statement) -> Family:
    """A statement about the fixed hierarchy above, as the one instance it is (its bound is named, never hidden)."""
    return Family(lambda _: statement, t_min=3, t_max=3, shown=3, index="n", instances=FIXED)


def level_maps() -> tuple:
    """One level k of a hierarchy of any depth and fiber sizes, as matrices of symbolic sizes: Π = π_{k←n}
    (b_k × |E|), P = π_k* (b_{k−1} × b_k), K = K_{k−1} (b_k × b_{k−1}), A = K_{n←k} (|E| × b_k), σ (|E| × 1)."""
    e, b, b_prev = var("E", "positive integer"), var("b_k", "positive integer"), var("b_km1", "positive integer")
    return (sp.MatrixSymbol("Pi", b, e), sp.MatrixSymbol("P", b_prev, b), sp.MatrixSymbol("K", b, b_prev),
            sp.MatrixSymbol("A", e, b), sp.MatrixSymbol("sigma", e, 1))


PER_LEVEL = ("per-level lemma over matrices of symbolic sizes (any fiber sizes), with π_{k−1←n} = π_k* π_{k←n} (eq 25) "
             "and K_{n←k−1} = K_{n←k} K_{k−1} (eq 23); the levels are composed by induction on the depth n")


def residual_lemma(residual=paper_residual) -> Statement:
    """Level k: the compact form's gate input G_k(π_{k←n}σ) (eq 28) equals eq 26's π_{k←n}σ − K_{k−1}π_{k−1←n}σ."""
    big_pi, push, kernel, _, sigma = level_maps()
    return Statement(sp.Eq(residual(big_pi * sigma, kernel, push), big_pi * sigma - kernel * (push * big_pi) * sigma,
                           evaluate=False), engines=("sympy",))


def telescoping_lemmas(slopes: tuple, times=None) -> tuple:
    """Induction on the level m with the claim S_m = K_{n←m}π_{m←n} (times σ): base S_0 = s_0 K_{n←0}π_{0←n};
    step S_m + s K_{n←m+1}(π_{m+1←n} − K_mπ_{m←n}) = K_{n←m+1}π_{m+1←n}, for each slope s a level has; at m = n,
    K_{n←n}π_{n←n} = I."""
    big_pi, push, kernel, reflect, sigma = level_maps()
    tail = sigma if times else sp.Identity(sigma.shape[0])
    start = reflect * kernel * push * big_pi * tail  # S_m with K_{n←m} = A K and π_{m←n} = P Π
    base = Statement(sp.Eq(slopes[0] * reflect * big_pi * tail, reflect * big_pi * tail, evaluate=False),
                     engines=("sympy",))
    steps = tuple(Statement(sp.Eq(start + s * reflect * (big_pi * tail - kernel * push * big_pi * tail),
                                  reflect * big_pi * tail, evaluate=False), engines=("sympy",))
                  for s in sorted(set(slopes[1:])))
    return (base, *steps)


def doubling(k: int, vec: sp.Matrix) -> sp.Matrix:
    """Gates g_k(x) = 2x: a concrete pointwise gate, under which a wrong residual shows as a polynomial gap."""
    return 2 * vec


@derivation("FGH-1", controls={"residual with 2K, gates 2x": {"residual": lambda s, k, p: s - 2 * k * p * s,
                                                              "gates": doubling}})
def check_fgh1(residual=paper_residual, gates=gate) -> list[Part]:
    """FGH-1: eqs 27–28 = eq 26 for n = 3; n = 1 is the FBG operator eq 4."""
    pushes, kernels = hierarchy()
    sigma = densities()
    p1, k0 = pushes[-1], kernels[-1]
    fbg = k0 * gates(0, p1 * sigma) + gates(1, residual(sigma, k0, p1))
    big_pi, push, kernel, _, sig = level_maps()
    ident = sp.Identity(sig.shape[0])
    return [
        Part("FGH-1/compact-is-expanded", "p. 17, Def 6.2, eqs 26-28",
             Family(lambda _: Statement(matrix_eq(compact(sigma, pushes, kernels, residual, gates),
                                                  expanded(sigma, pushes, kernels, gates)), engines=("sympy",)),
                    t_min=3, t_max=3, shown=3, index="n", instances=FIXED, symbolic=residual_lemma(residual),
                    symbolic_domain=PER_LEVEL + ": both forms apply the same gate g_k and reflection K_{n←k} to equal "
                                    "inputs at every level, so every depth and hierarchy shape"),
             note="pointwise gates g_k are undefined functions: any gates."),
        Part("FGH-1/n1-is-FBG", "p. 17, Remark 6.3, eq 4",
             Family(lambda _: Statement(matrix_eq(expanded(sigma, [p1], [k0], gates), fbg), engines=("sympy",)),
                    t_min=3, t_max=3, shown=3, index="n", instances=FIXED,
                    symbolic=Statement(sp.Eq(ident * sig - kernel * push * ident * sig, residual(sig, kernel, push),
                                             evaluate=False), engines=("sympy",)),
                    symbolic_domain="eq 26 at n = 1 has K_{1←1} = π_{1←1} = I, so its two terms are eq 4's once the "
                                    "fiber input I σ − K π σ is σ − K π σ: matrices of symbolic sizes, any fibers")),
    ]


@derivation("FGH-3", controls={"one level with slope 2": {"slopes": (1, 2, 1, 1)}})
def check_fgh3(slopes: tuple = (1, 1, 1, 1)) -> list[Part]:
    """FGH-3: unit-slope gates ⇒ dG = I (telescoping), for any kernels; hence first-order agreement (§6.2)."""
    pushes, kernels = hierarchy()
    n = len(pushes)
    dg = reflect_from(kernels, 0) * slopes[0] * push_to(pushes, 0)
    for k in range(1, n + 1):
        dg += reflect_from(kernels, k) * slopes[k] * (push_to(pushes, k) - kernels[k - 1] * push_to(pushes, k - 1))
    sigma = densities()
    linear = lambda k, v: slopes[k] * v  # noqa: E731  gates equal to the identity near the on-policy point
    return [
        Part("FGH-3/telescoping", "p. 18, Sec. 6.2",
             instance_with(Statement(matrix_eq(dg, sp.eye(5))), telescoping_lemmas(slopes), "telescoping"),
             note="Σ_k K_{n←k}(π_{k←n} − K_{k−1}π_{k−1←n}) + K_{n←0}π_{0←n} = I for arbitrary kernels."),
        Part("FGH-3/identity-gates", "p. 18, Sec. 6.2",
             instance_with(Statement(matrix_eq(expanded(sigma, pushes, kernels, linear), sigma)),
                           telescoping_lemmas(slopes, times=True), "the telescoping applied to σ")),
    ]


def instance_with(statement: Statement, lemmas: tuple, what: str) -> Family:
    """The fixed-hierarchy instance beside the per-level induction that covers every depth and shape."""
    return Family(lambda _: statement, t_min=3, t_max=3, shown=3, index="n", instances=FIXED, symbolic=lemmas,
                  symbolic_domain=f"{PER_LEVEL}: {what}, every depth and hierarchy shape")


def level_inputs(residual) -> list:
    """Every gate input of the hierarchy (eq 26), built with `residual`."""
    pushes, kernels = hierarchy()
    sigma = densities()
    return [push_to(pushes, 0) * sigma] + [residual(push_to(pushes, k) * sigma, kernels[k - 1], pushes[k - 1])
                                           for k in range(1, 4)]


DOMAIN_SHAPE = "τ1, τ2 in group g1 and τ3 in g2 of domain D1, τ4 in D2, one log-ratio each"
SHAPE_FREE = ("any hierarchy shape: log s_D and log s_g are arbitrary functions (undefined) of the tokens of their "
              "domain and group, log s_τ of its own tokens only (eqs 9, 33); a token of another group of the domain "
              "(ℓ_g) or of another domain (ℓ_D2) enters nothing else")


LEVEL_BUDGETS = tuple(var(f"C_{level}", "positive") for level in ("D", "g", "tau"))  # one budget per level (eq 31)


def budget_free(inputs) -> Statement:
    """∂(input)/∂C_level = 0 for every level input and every level's budget: no input depends on any budget."""
    return Statement(sp.And(*(sp.Eq(sp.Derivative(x, c), 0, evaluate=False) for x in inputs for c in LEVEL_BUDGETS)),
                     engines=("sympy",))


@derivation("FGH-4", controls={"residual with 2K": {"residual": lambda s, k, p: s - 2 * k * p * s},
                               "group fed the domain gate's rollback output": {
                                   "group_input": lambda g, d: g - (3 * LEVEL_BUDGETS[0] - 2 * d)},
                               "group input log s_g, not log s_g − log s_D": {"group_input": lambda g, d: g},
                               "domain mean over the whole batch": {"batch_wide": True}},
            positives={"domain gate in pass-through": {"domain_slope": 1}})
def check_fgh4(residual=paper_residual, domain_slope=None, group_input=lambda g, d: g - d,
               batch_wide: bool = False) -> list[Part]:
    """FGH-4: gate inputs never contain another level's gate; FiberPO-Domain Jacobian block structure."""
    pushes, kernels = hierarchy()
    sigma = densities()
    linear_inputs = [push_to(pushes, 0) * sigma] + [
        (push_to(pushes, k) - kernels[k - 1] * push_to(pushes, k - 1)) * sigma for k in range(1, 4)]
    ell = [var(f"ell_{i}", "positive") for i in range(1, 5)]  # τ1, τ2 ∈ g1, τ3 ∈ g2 (domain D1); τ4 ∈ g3 (D2)
    x_g1, x_g2 = (ell[0] + ell[1]) / 2, ell[2]
    x_d1 = (2 * x_g1 + x_g2 + (ell[3] if batch_wide else 0)) / (4 if batch_wide else 3)  # eq 33: trajectory-weighted
    c, t_d = var("C", "positive"), var("T_D", "positive integer")
    pass_through = x_d1 + group_input(x_g1, x_d1) + (ell[0] - x_g1)
    domain_gate = (t_d + 1) * c - t_d * x_d1 if domain_slope is None else domain_slope * x_d1  # rollback, eq 10
    domain_rollback = domain_gate + group_input(x_g1, x_d1) + (ell[0] - x_g1)
    big_pi, push, kernel, _, sig = level_maps()
    own, same_domain, other_domain = var("ell_tau"), var("ell_g"), var("ell_D2")
    domain_tokens = (own, same_domain, other_domain) if batch_wide else (own, same_domain)
    x_d, x_g, x_t = (sp.Function(n)(*a) for n, a in (("x_D", domain_tokens), ("x_g", (own, same_domain)),
                                                     ("x_tau", (own,))))
    gated = sum((sp.Function(f"g_{lvl}")(arg) for lvl, arg in (("D", x_d), ("g", group_input(x_g, x_d)),
                                                               ("tau", x_t - x_g))), sp.Integer(0))
    return [
        Part("FGH-4/independent-inputs", "p. 19, eq 31 (with eq 33's aggregates)",
             Family(lambda _: budget_free((x_d1, group_input(x_g1, x_d1), ell[0] - x_g1)), t_min=4, t_max=4,
                    shown=4, index="shape", instances=DOMAIN_SHAPE,
                    symbolic=budget_free((x_d, group_input(x_g, x_d), x_t - x_g)), symbolic_domain=SHAPE_FREE)),
        Part("FGH-4/independent-budgets", "p. 18, Sec. 6.2, eq 26",
             instance_with(Statement(sp.And(*(matrix_eq(a, b) for a, b in zip(level_inputs(residual), linear_inputs)))),
                           (Statement(sp.Eq(residual(big_pi * sig, kernel, push), (big_pi - kernel * push * big_pi) * sig,
                                            evaluate=False), engines=("sympy",)),),
                           "each level's input is the fixed linear map (π_{k←n} − K_{k−1}π_{k−1←n})σ"),
             note="each level's input is a fixed linear map of σ, so no level's gating enters another's input."),
        Part("FGH-4/pass-through-block", "p. 19, eq 31",
             Family(lambda _: Statement(sp.And(*(sp.Eq(sp.Derivative(pass_through, v), 0, evaluate=False)
                                                 for v in ell[1:])), engines=("sympy",)),
                    t_min=4, t_max=4, shown=4, index="shape", instances=DOMAIN_SHAPE,
                    symbolic=Statement(sp.Eq(sp.Derivative(x_d + group_input(x_g, x_d) + (x_t - x_g), same_domain), 0,
                                             evaluate=False), engines=("sympy",)),
                    symbolic_domain=SHAPE_FREE)),
        Part("FGH-4/domain-block-diagonal", "p. 19, eq 31 (as Prop 5.3)", role="remark",
             claim=Statement(sp.And(*(sp.Eq(sp.Derivative(domain_rollback, v), 0, evaluate=False) for v in ell[1:])),
                             engines=("sympy",)),
             note="in rollback the domain gate couples every trajectory of the domain: block-diagonal over domains only."),
        Part("FGH-4/cross-domain", "p. 19, eq 31",
             Family(lambda _: Statement(sp.And(sp.Eq(sp.Derivative(domain_rollback, ell[3]), 0, evaluate=False),
                                               sp.Eq(sp.Derivative(pass_through, ell[3]), 0, evaluate=False)),
                                        engines=("sympy",)),
                    t_min=4, t_max=4, shown=4, index="shape", instances=DOMAIN_SHAPE,
                    symbolic=Statement(sp.Eq(sp.Derivative(gated, other_domain), 0, evaluate=False),
                                       engines=("sympy",)),
                    symbolic_domain=SHAPE_FREE + "; any gates g_D, g_g, g_τ (undefined functions), so in every regime")),
    ]


DOMAIN_TRAJECTORIES = ((0, 0, 2), (0, 0, 1), (0, 1, 1), (1, 2, 2))  # (domain, group, T_τ) per trajectory


def domain_closed_form(ell, c_pos, c_neg, eps) -> list[Fraction]:
    """log G_i of FiberPO-Domain from eqs 30–33 (six gated terms + the fiber gate), exactly."""
    structure = _structure(ell)
    out = []
    for tau, (dom, grp, big_t), toks in structure["trajectories"]:
        base = Fraction(0)
        for l, c in ((1, c_pos), (-1, c_neg)):
            agg = structure["x"][l]
            x_t, x_g, x_d = agg["tau"][tau], agg["group"][grp], agg["domain"][dom]
            total = (frac_g_agg(x_d, c, structure["tokens_d"][dom])
                     + frac_g_agg(x_g - x_d, c, structure["tokens_g"][grp]) + frac_g_agg(x_t - x_g, c, big_t))
            base += l * total
        for v in toks:
            pos, neg = structure["x"][1]["tau"][tau], structure["x"][-1]["tau"][tau]
            same, opposite = (v - pos, -neg) if v >= 0 else (v + neg, pos)
            out.append(base + frac_clip(same, eps) - frac_clip(opposite, eps))
    return out


def _structure(ell) -> dict:
    """Trajectories, token counts and the aggregates log s^(l) at trajectory, group (mean) and domain (eq 33) level."""
    trajs, start = [], 0
    for tau, (dom, grp, big_t) in enumerate(DOMAIN_TRAJECTORIES):
        trajs.append((tau, (dom, grp, big_t), ell[start:start + big_t]))
        start += big_t
    x = {}
    for l in (1, -1):
        x_tau = {tau: Fraction(sum(max(l * v, 0) for v in toks)) / big_t for tau, (_, _, big_t), toks in trajs}
        groups = {grp for _, (_, grp, _), _ in trajs}
        x_grp = {g: sum(x_tau[t] for t, (_, gg, _), _ in trajs if gg == g)
                 / sum(1 for _, (_, gg, _), _ in trajs if gg == g) for g in groups}
        doms = {dom for _, (dom, _, _), _ in trajs}
        x_dom = {dd: sum(x_tau[t] for t, (dm, _, _), _ in trajs if dm == dd)
                 / sum(1 for _, (dm, _, _), _ in trajs if dm == dd) for dd in doms}
        x[l] = {"tau": x_tau, "group": x_grp, "domain": x_dom}
    tokens_g = {g: sum(bt for _, (_, gg, bt), _ in trajs if gg == g) for g in {g for _, (_, g, _), _ in trajs}}
    tokens_d = {dd: sum(bt for _, (dm, _, bt), _ in trajs if dm == dd) for dd in {dd for _, (dd, _, _), _ in trajs}}
    return {"trajectories": trajs, "x": x, "tokens_g": tokens_g, "tokens_d": tokens_d}


def trajectory_share(n_traj_g: int, n_traj_d: int, tokens_g: int, tokens_d: int) -> Fraction:
    """K0(g | D) = |Tj(g)|/|Tj(D)| (App. E.7)."""
    return ratio(n_traj_g, n_traj_d)


def ratio(a, b):
    """a/b exactly: a Fraction of integer counts, or a SymPy quotient of symbolic counts."""
    return a / b if isinstance(a, sp.Basic) else Fraction(a, b)


def domain_from_objects(ell, c_pos, c_neg, eps, kernel0: Callable = trajectory_share) -> list[Fraction]:
    """log R∘G∘F for the E.7 objects: F, the kernels K0, K1, K2, the four atomic gates and R, applied level by level."""
    trajs = [(dom, grp, bt) for dom, grp, bt in DOMAIN_TRAJECTORIES]
    token_tau = [tau for tau, (_, _, bt) in enumerate(trajs) for _ in range(bt)]
    n_traj_g = {g: sum(1 for _, gg, _ in trajs if gg == g) for _, g, _ in trajs}
    n_traj_d = {dd: sum(1 for dm, _, _ in trajs if dm == dd) for dd, _, _ in trajs}
    tok_g = {g: sum(bt for _, gg, bt in trajs if gg == g) for _, g, _ in trajs}
    tok_d = {dd: sum(bt for dm, _, bt in trajs if dm == dd) for dd, _, _ in trajs}
    group_dom = {g: dm for dm, g, _ in trajs}
    gated = {}
    for l, c in ((1, c_pos), (-1, c_neg)):
        sigma3 = [Fraction(max(l * v, 0)) / trajs[token_tau[i]][2] for i, v in enumerate(ell)]  # F(r)_(i,l)
        sigma2 = {t: sum(s for i, s in enumerate(sigma3) if token_tau[i] == t) for t in range(len(trajs))}
        sigma1 = {g: sum(sigma2[t] for t in sigma2 if trajs[t][1] == g) for g in n_traj_g}
        sigma0 = {dd: sum(sigma1[g] for g in sigma1 if group_dom[g] == dd) for dd in n_traj_d}
        g0 = {dd: n_traj_d[dd] * frac_g_agg(sigma0[dd] / n_traj_d[dd], c, tok_d[dd]) for dd in sigma0}
        k0 = {g: kernel0(n_traj_g[g], n_traj_d[group_dom[g]], tok_g[g], tok_d[group_dom[g]]) for g in sigma1}
        res1 = {g: sigma1[g] - k0[g] * sigma0[group_dom[g]] for g in sigma1}
        g1 = {g: n_traj_g[g] * frac_g_agg(res1[g] / n_traj_g[g], c, tok_g[g]) for g in sigma1}
        res2 = {t: sigma2[t] - sigma1[trajs[t][1]] / n_traj_g[trajs[t][1]] for t in sigma2}
        g2 = {t: frac_g_agg(res2[t], c, trajs[t][2]) for t in sigma2}
        res3 = [s - sigma2[token_tau[i]] / trajs[token_tau[i]][2] for i, s in enumerate(sigma3)]
        g3 = [frac_clip(trajs[token_tau[i]][2] * r, eps) / trajs[token_tau[i]][2] for i, r in enumerate(res3)]
        for i in range(len(ell)):
            t = token_tau[i]
            dm, g, bt = trajs[t]
            reflected = (g0[dm] * k0[g] / n_traj_g[g] / bt  # K0, K1, K2
                         + g1[g] / n_traj_g[g] / bt + g2[t] / bt + g3[i])
            gated[(i, l)] = reflected
    return [trajs[token_tau[i]][2] * (gated[(i, 1)] - gated[(i, -1)]) for i in range(len(ell))]  # log R


def token_share(n_traj_g, n_traj_d, tokens_g, tokens_d):
    """A mutation: K0(g | D) = T_g/T_D, the token share instead of the trajectory share."""
    return ratio(tokens_g, tokens_d)


def level_lemmas(kernel0: Callable = trajectory_share) -> tuple:
    """One token of trajectory τ ∈ group g ∈ domain D, one channel, any counts: n_D, n_g trajectories, T_D, T_g, T_τ
    tokens, the channel mean x_τ and the pushed-forward sums Σ_g = Σ_{τ'∈g} x_τ', Σ_D = Σ_{τ'∈D} x_τ' (F, π: eq 9 and
    the sums of App. E.7); any gate g (an undefined function). Each level of R∘G∘F (eqs 26–28 with the E.7 objects)
    gives the closed form's term (eqs 30–33): domain g(Σ_D/n_D), group g(Σ_g/n_g − Σ_D/n_D), trajectory
    g(x_τ − Σ_g/n_g); the token level is clip([lℓ]₊ − x_τ, ±ε) (T_τ·clip(T_τ r, ±ε)/T_τ)."""
    n_d, n_g = var("n_D", "positive"), var("n_g", "positive")
    t_d, t_g, t_tau = var("T_D", "positive"), var("T_g", "positive"), var("T_tau", "positive")
    x_tau, sum_g, sum_d, c = var("x_tau"), var("Sigma_g"), var("Sigma_D"), var("C", "positive")
    gate = sp.Function("g")
    k0 = kernel0(n_g, n_d, t_g, t_d)
    domain = t_tau * (n_d * gate(sum_d / n_d, c, t_d) * k0 / n_g / t_tau)
    group = t_tau * (n_g * gate(sp.cancel((sum_g - k0 * sum_d) / n_g), c, t_g) / n_g / t_tau)
    trajectory = t_tau * gate(x_tau - sum_g / n_g, c, t_tau) / t_tau
    return tuple(Statement(sp.Eq(lhs, rhs, evaluate=False), engines=("sympy",)) for lhs, rhs in (
        (domain, gate(sum_d / n_d, c, t_d)), (group, gate(sp.cancel(sum_g / n_g - sum_d / n_d), c, t_g)),
        (trajectory, gate(x_tau - sum_g / n_g, c, t_tau))))


@derivation("FGH-2", controls={"token-share kernel": {"kernel0": token_share}})
def check_fgh2(kernel0: Callable = trajectory_share) -> list[Part]:
    """FGH-2: eqs 30–33 equal R∘G∘F built from the App. E.7 objects (exact rationals on a fixed hierarchy; per-level
    lemmas for every hierarchy)."""
    def objects(*args):
        return domain_from_objects(*args, kernel0=kernel0)

    values = (Fraction(-1, 2), Fraction(1, 20), Fraction(3, 10))
    budgets = (Fraction(1, 5), Fraction(1, 10), Fraction(1, 20))
    cases = tuple((ell, *budgets) for ell in itertools.product(values, repeat=6))
    return [Part("FGH-2/closed-form", "p. 19, eqs 30-33, App. E.7",
                 Search("2 domains, 3 groups, 4 trajectories, 6 tokens; log-ratios in {−1/2, 1/20, 3/10}⁶; "
                        "C⁺ = 1/5, C⁻ = 1/10, ε = 1/20", cases,
                        lambda ell, cp, cn, e: domain_closed_form(ell, cp, cn, e) == objects(ell, cp, cn, e),
                        symbolic=(*level_lemmas(kernel0), token_level()),
                        symbolic_domain="every hierarchy (any numbers of domains, groups, trajectories, tokens): "
                                        "per-level lemmas with the counts and pushed-forward sums free and the gate an "
                                        "undefined function, and the per-token lemma of the token level"))]


def token_level() -> Statement:
    """The token level of R: T_τ(G_(i;+) − G_(i;−)) = clip([ℓ]₊ − x⁺, ±ε) − clip([−ℓ]₊ − x⁻, ±ε) equals eq 16's
    clip(l u) − clip(l v), for any channel means x± ≥ 0 (App. E.7, g_Fiber = clip(T_τ ·, ±ε)/T_τ)."""
    x, big_t = var("ell_i"), var("T_tau", "positive")
    x_pos, x_neg, eps = var("x_+", "nonnegative"), var("x_-", "nonnegative"), var("epsilon", "positive")
    level = [big_t * clip(big_t * (pos(l * x) / big_t - m / big_t), eps) / big_t for l, m in ((1, x_pos), (-1, x_neg))]
    return Statement(sp.Eq(level[0] - level[1], token_gated_residual(x, x_pos, x_neg, eps)), engines=("z3",))

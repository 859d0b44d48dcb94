"""Statements `hypotheses ⇒ conclusion` over named variables with stated domains.

A statement is the one object the provers check (provers.py) and the text is typeset from (render.py); nothing is
typed beside it. A variable's domain is its SymPy assumptions (`var`), so both provers and the reader see the same
domain. The gates of the paper are SymPy functions (`clip`, `gagg`, `pos`, `signed`, `logs`, `resid_u`, ...) that print as themselves and
unfold to piecewise-linear definitions for the provers.

How to write a step (FPO-1, "unsaturated ⇒ log r̃ = ℓ − mean ℓ", eq 16), for every trajectory length T:

    def unsaturated(big_t: int) -> Statement:
        ell, eps = variables("ell", big_t), var("epsilon", "positive")
        u, v = fiber_residuals(ell)                                        # eqs 14, 15
        return Statement(
            hypotheses=[sp.Abs(x) <= eps for x in u + v],                  # every hypothesis is written here
            conclusion=sp.And(*(sp.Eq(log_gated_residual(ell, i, eps), ell[i] - mean(ell)) for i in range(big_t))))

    part = Part("FPO-1/unsaturated", "p. 13, below eq 16", Family(unsaturated, t_max=64))

`Part` names one sub-statement of a claim (role "result" or "remark"): the paper's assertion as a Statement or a
Family over T, an optional `condition` (hypotheses the paper does not state, checked when the statement fails), and
`support` statements of our own argument (each must be proved, else the build fails). Group modules decorate a
function returning Parts with `@derivation(claim_id, controls=...)` (registry.py); provers.py turns Parts into
SubStatements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

DOMAINS = {
    "real": {"real": True},
    "positive": {"positive": True},
    "nonnegative": {"nonnegative": True},
    "nonzero": {"real": True, "nonzero": True},
    "positive integer": {"integer": True, "positive": True},
}


def var(name: str, domain: str = "real") -> sp.Symbol:
    """A named variable whose domain (one of DOMAINS) is carried by its SymPy assumptions."""
    if domain not in DOMAINS:
        raise ValueError(f"domain: {domain!r} is not one of {sorted(DOMAINS)}")
    return sp.Symbol(name, **DOMAINS[domain])


def sequence(name: str, domain: str = "real") -> sp.IndexedBase:
    """A sequence x[1], x[2], … of any length (for sums over a symbolic T), its entries in one domain."""
    return sp.IndexedBase(var(name, domain))


def index(name: str = "i") -> sp.Symbol:
    """A summation index (bound by the Sum, so never a free variable of a statement)."""
    return sp.Symbol(name, integer=True, positive=True)


def variables(stem: str, count: int, domain: str = "real") -> list[sp.Symbol]:
    """stem_1 … stem_count, all with one domain."""
    return [var(f"{stem}_{i}", domain) for i in range(1, count + 1)]


EPS, C_POS, C_NEG = var("epsilon", "positive"), var("C_+", "positive"), var("C_-", "positive")  # FiberPO's ε, C⁺, C⁻


def domain_of(symbol: sp.Symbol) -> str:
    """The DOMAINS key a variable was declared with."""
    for name in ("positive integer", "positive", "nonnegative", "nonzero", "real"):
        if all(getattr(symbol, f"is_{k}") == v for k, v in DOMAINS[name].items()):
            return name
    raise ValueError(f"symbol: {symbol} has no domain declared with var()")


# ---------------------------------------------------------------- the gates, as functions that print as themselves


class Gate(sp.Function):
    """A named piecewise-linear function of the paper; `definition()` is what the provers see."""

    def definition(self) -> sp.Expr:
        raise NotImplementedError


class clip(Gate):  # noqa: N801  (the paper's name)
    """clip(x, ±B) with B⁺ = max(B, 0) (Def C.1; eq 16 with B = ε)."""

    nargs = 2

    def definition(self) -> sp.Expr:
        x, bound = self.args
        b = sp.Max(bound, 0)
        return sp.Min(sp.Max(x, -b), b)

    def _latex(self, printer) -> str:
        x, bound = (printer._print(a) for a in self.args)
        return rf"\operatorname{{clip}}(\allowbreak {x},\allowbreak \pm {bound})"


class clip_ratio(Gate):  # noqa: N801
    """clip(r, 1 ± ε), the PPO/GRPO/GSPO ratio clip (App. C.4)."""

    nargs = 2

    def definition(self) -> sp.Expr:
        r, eps = self.args
        return sp.Min(sp.Max(r, 1 - eps), 1 + eps)

    def _latex(self, printer) -> str:
        r, eps = (printer._print(a) for a in self.args)
        return rf"\operatorname{{clip}}(\allowbreak {r},\allowbreak 1 \pm {eps})"


class gate_ppo(Gate):  # noqa: N801
    """G_PPO(r, Â) = l(Â) min(clip(r, 1 ± ε) l(Â), r l(Â)) (App. C.4; l(0) := +1, immaterial where Â = 0); args
    (r, Â, ε)."""

    nargs = 3
    label = "PPO"

    def definition(self) -> sp.Expr:
        r, adv, eps = self.args
        return signed(adv, sp.Min(signed(adv, clip_ratio(r, eps)), signed(adv, r)))

    def _latex(self, printer) -> str:
        r, adv = (printer._print(a) for a in self.args[:2])
        return rf"G_{{\mathrm{{{self.label}}}}}(\allowbreak {r},\allowbreak {adv})"


class gate_gspo(gate_ppo):  # noqa: N801
    """G_GSPO(s_τ, S) = l_τ min(clip(s_τ, 1 ± ε) l_τ, s_τ l_τ) with l_τ = l(S), S = Σ_t Â_t (App. C.4)."""

    label = "GSPO"


class gagg(Gate):  # noqa: N801
    """g_agg(x, C, k): identity for |x| ≤ C, rollback sign(x)(k+1)C − kx up to (1 + 1/k)C, then 0 (eq 10)."""

    nargs = 3

    def definition(self) -> sp.Expr:
        x, c, k = self.args
        sign = sp.Piecewise((1, x > 0), (-1, x < 0), (0, True))
        return sp.Piecewise((x, sp.Abs(x) <= c), (sign * (k + 1) * c - k * x, sp.Abs(x) < (1 + 1 / k) * c), (0, True))

    def _latex(self, printer) -> str:
        x, c, k = (printer._print(a) for a in self.args)
        return rf"g_{{\mathrm{{agg}}}}(\allowbreak {x},\allowbreak {c},\allowbreak {k})"


class pos(Gate):  # noqa: N801
    """max(x, 0), the channel part of a log-ratio (eq 9)."""

    nargs = 1

    def definition(self) -> sp.Expr:
        return sp.Max(self.args[0], 0)

    def _latex(self, printer) -> str:
        return rf"[{printer._print(self.args[0])}]_{{+}}"


class signed(Gate):  # noqa: N801
    """l(x)·y with the sign label l(x) = sign(x) of eq 13 and the engine's convention sign(0) := +1."""

    nargs = 2

    def definition(self) -> sp.Expr:
        x, y = self.args
        return sp.Piecewise((y, x >= 0), (-y, True))

    def _latex(self, printer) -> str:
        return rf"l({printer._print(self.args[0])})\,{printer.parenthesize(self.args[1], 1000)}"


def when(condition, value) -> sp.Expr:
    """value where condition holds, else 0 (an indicator times value, kept linear for the provers)."""
    return sp.Piecewise((value, condition), (0, True))


def unfold(expr):
    """Replace every Gate by its definition, recursively (what the provers check)."""
    while expr.atoms(Gate):
        expr = expr.replace(lambda e: isinstance(e, Gate), lambda e: e.definition())
    return expr


def mean(values) -> sp.Expr:
    """(1/T) Σ values."""
    return sp.Add(*values) / len(values)


class logs(Gate):  # noqa: N801
    """log s^(l) of one trajectory: the mean of [l ℓ]₊ over its tokens (eq 9); args (l, ℓ_1, …, ℓ_T)."""

    def definition(self) -> sp.Expr:
        sign, *ell = self.args
        return mean([pos(sign * x) for x in ell])

    def _latex(self, printer) -> str:
        return rf"\log s^{{{'+' if self.args[0] > 0 else '-'}}}"


class resid_u(Gate):  # noqa: N801
    """u_i = l_i ℓ_i − log s^(l_i), sign(0) := +1 (eq 14); args (ℓ_i, log s⁺, log s⁻)."""

    nargs = 3

    def definition(self) -> sp.Expr:
        x, s_pos, s_neg = self.args
        return sp.Piecewise((x - s_pos, x >= 0), (-x - s_neg, True))

    def _latex(self, printer) -> str:
        return rf"u({printer._print(self.args[0])})"


class resid_v(Gate):  # noqa: N801
    """v_i = −log s^(−l_i), sign(0) := +1 (eq 15); args (ℓ_i, log s⁺, log s⁻)."""

    nargs = 3

    def definition(self) -> sp.Expr:
        x, s_pos, s_neg = self.args
        return sp.Piecewise((-s_neg, x >= 0), (-s_pos, True))

    def _latex(self, printer) -> str:
        return rf"v({printer._print(self.args[0])})"


class same_mean(Gate):  # noqa: N801
    """log s^(l_i), the aggregate of the token's own channel, sign(0) := +1 (eq 9); args (ℓ_i, log s⁺, log s⁻)."""

    nargs = 3

    def definition(self) -> sp.Expr:
        x, s_pos, s_neg = self.args
        return sp.Piecewise((s_pos, x >= 0), (s_neg, True))

    def _latex(self, printer) -> str:
        return rf"\log s^{{(l({printer._print(self.args[0])}))}}"


class count_past(Gate):  # noqa: N801
    """#{i : |ℓ_i| > B}, the tokens a ratio clip at ±B clips (p. 13); args (B, ℓ_1, …, ℓ_T)."""

    def definition(self) -> sp.Expr:
        bound, *ell = self.args
        return sp.Add(*(sp.Piecewise((1, sp.Abs(x) > bound), (0, True)) for x in ell))

    def _latex(self, printer) -> str:
        return rf"\#\{{i : \lvert\ell_i\rvert > {printer._print(self.args[0])}\}}"


def channel_means(ell) -> tuple[sp.Expr, sp.Expr]:
    """log s⁺ and log s⁻ of the trajectory ℓ (eq 9)."""
    return logs(1, *ell), logs(-1, *ell)


def fiber_residuals(ell) -> tuple[list, list]:
    """u_i and v_i of every token (eqs 14, 15)."""
    s_pos, s_neg = channel_means(ell)
    return [resid_u(x, s_pos, s_neg) for x in ell], [resid_v(x, s_pos, s_neg) for x in ell]


def log_gated_residual(ell, i: int, eps) -> sp.Expr:
    """log r̃_i = clip(l_i u_i, ±ε) − clip(l_i v_i, ±ε) (eq 16)."""
    s_pos, s_neg = channel_means(ell)
    return token_gated_residual(ell[i], s_pos, s_neg, eps)


def token_gated_residual(x, s_pos, s_neg, eps) -> sp.Expr:
    """log r̃ of a token ℓ_i = x from its own value and its trajectory's log s± alone (eqs 14–16)."""
    return clip(signed(x, resid_u(x, s_pos, s_neg)), eps) - clip(signed(x, resid_v(x, s_pos, s_neg)), eps)


def token_log_gate(x, s_pos, s_neg, big_t, c_pos, c_neg, eps) -> sp.Expr:
    """log G of a token ℓ_i = x from x, its trajectory's log s± and T alone (eqs 7, 8, 16)."""
    return gagg(s_pos, c_pos, big_t) - gagg(s_neg, c_neg, big_t) + token_gated_residual(x, s_pos, s_neg, eps)


def log_fiberpo_gate(ell, i: int, c_pos, c_neg, eps) -> sp.Expr:
    """log G_i = g_agg(log s⁺, C⁺, T) − g_agg(log s⁻, C⁻, T) + log r̃_i (eqs 7, 8, 16)."""
    s_pos, s_neg = channel_means(ell)
    return token_log_gate(ell[i], s_pos, s_neg, len(ell), c_pos, c_neg, eps)


def token_of_trajectory(stem: str = "R") -> tuple:
    """The per-token abstraction (every T at once): a token ℓ_i, the length T (a real ≥ 1: a relaxation containing
    every integer T) and the sums R± ≥ 0 of [±ℓ_j]₊ over the trajectory's other tokens, so that log s± =
    ([±ℓ_i]₊ + R±)/T exactly (eq 9). Every token of every trajectory is such a point, and a token's gate depends on
    the other tokens only through R±, so a statement proved for all (ℓ_i, T, R±) holds for every T.
    Returns (ℓ_i, T, log s⁺, log s⁻, (R⁺, R⁻), hypotheses)."""
    x, big_t = var("ell_i"), var("T", "positive")
    rest = (var(f"{stem}_+", "nonnegative"), var(f"{stem}_-", "nonnegative"))
    return x, big_t, (pos(x) + rest[0]) / big_t, (pos(-x) + rest[1]) / big_t, rest, (big_t >= 1,)


# ---------------------------------------------------------------- statements, families, parts


@dataclass(frozen=True)
class Statement:
    """hypotheses ⇒ conclusion over the free variables (each with the domain of its SymPy assumptions).

    error: for a statement written with ≈ (a truncated expansion or a limit), the order of what is dropped.
    engines: the provers to run (a statement whose translation one prover cannot decide in the build's time names
    only the other).
    """

    conclusion: sp.Basic
    hypotheses: tuple = ()
    error: str = ""
    engines: tuple = ("sympy", "z3")

    def __post_init__(self) -> None:
        object.__setattr__(self, "hypotheses", tuple(self.hypotheses))

    @property
    def variables(self) -> list[sp.Symbol]:
        """The free variables, sorted by name."""
        free = set().union(*(sp.sympify(h).free_symbols for h in self.hypotheses), self.conclusion.free_symbols)
        return sorted((s for s in free if isinstance(s, sp.Symbol)), key=lambda s: s.name)  # σ of σ[i]: its label

    def collapsed(self) -> list[str]:
        """The parts of the statement that are already True/False as built (evaluated at construction, so no prover
        could fail on them): the conclusion, a conjunct, disjunct or side of it, or a hypothesis."""
        found = [f"hypothesis {h}" for h in self.hypotheses if isinstance(sp.sympify(h), sp.logic.boolalg.BooleanAtom)]
        if isinstance(self.conclusion, sp.logic.boolalg.BooleanAtom):
            return [*found, f"conclusion {self.conclusion}"]
        if isinstance(self.conclusion, (sp.And, sp.Or, sp.Implies, sp.Not)):
            found += [f"part {a} of the conclusion" for a in self.conclusion.args
                      if isinstance(a, sp.logic.boolalg.BooleanAtom)]
        return found

    def assuming(self, extra) -> Statement:
        """The same statement with more hypotheses."""
        return Statement(self.conclusion, (*self.hypotheses, *extra), self.error, self.engines)


@dataclass(frozen=True)
class Family:
    """One statement for every size T in t_min … t_max (`build(T)`: real instances, each of which can refute), and
    the parametric encoding that covers every T (`symbolic`: one lemma or a tuple of lemmas — a per-token lemma with
    the trajectory aggregates as free variables, a statement over a symbolic T, the base case and step of an
    induction — and `symbolic_domain`: why proving the lemmas proves the statement for every T). Without a proved
    encoding the family is only verified up to t_max. `shown` is the T the family is typeset at; `instances` names the
    checked instances when they are not simply every index ≤ t_max (e.g. one fixed hierarchy)."""

    build: Callable[[int], Statement]
    t_max: int = 64
    t_min: int = 1
    symbolic: Statement | tuple | None = None
    shown: int = 3
    symbolic_domain: str = ""
    index: str = "T"  # what the family runs over: T tokens, k actions, T_s samples of a state, n levels
    instances: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.t_min <= self.t_max:
            raise ValueError(f"t_min, t_max: need 1 ≤ t_min ≤ t_max, got {self.t_min}, {self.t_max}")
        if self.symbolic is not None and not self.symbolic_domain:
            raise ValueError("symbolic_domain: state why the lemmas of `symbolic` cover every " + self.index)

    @property
    def lemmas(self) -> tuple:
        """The parametric encoding's statements (empty when there is none)."""
        return lemmas_of(self.symbolic)


@dataclass(frozen=True)
class Search:
    """An exhaustive exact-rational check over a named finite family: `predicate(*case)` for every case; optionally
    with the lemmas (`symbolic`) of a parametric encoding that covers the whole domain, and why (`symbolic_domain`)."""

    family: str
    cases: tuple
    predicate: Callable[..., bool]
    describe: Callable[..., str] | None = None
    symbolic: Statement | tuple | None = None
    symbolic_domain: str = ""

    @property
    def lemmas(self) -> tuple:
        """The parametric encoding's statements (empty when there is none)."""
        return lemmas_of(self.symbolic)


def lemmas_of(symbolic) -> tuple:
    """A symbolic form as a tuple of statements."""
    return () if symbolic is None else symbolic if isinstance(symbolic, tuple) else (symbolic,)


@dataclass
class Part:
    """One sub-statement of a claim: the paper's assertion (`claim`), a hypothesis the paper does not state
    (`condition`, checked when the claim fails), exact cross-checks, and supporting steps of our own argument."""

    id: str
    source: str
    claim: Statement | Family | Search
    role: str = "result"
    condition: tuple = ()
    crosschecks: list = field(default_factory=list)
    support: list = field(default_factory=list)
    note: str = ""
    intended: Statement | Family | None = None  # the intended reading of a typo, checked when the claim fails
    conflict: str = ""  # two definitions side by side, reported when the claim fails

"""Plain text of the Statement objects (formula.py): one Unicode line per formula, for SubStatement.text, the
provers' counterexamples and the terminal."""

from __future__ import annotations

import re

from sympy.printing.str import StrPrinter

from .formula import Family, Search, Statement, domain_of
from .notation import symbol_text

PLAIN_DOMAIN = {"real": " ∈ ℝ", "positive": " > 0", "nonnegative": " ≥ 0", "nonzero": " ≠ 0",
                "positive integer": " ∈ ℤ>0"}
UNICODE_NAMES = {"epsilon": "ε", "ell": "ℓ", "gamma": "γ", "delta": "δ", "Delta": "Δ", "sigma": "σ", "tau": "τ",
                 "eta": "η", "kappa": "κ", "rho": "ρ", "theta": "θ", "beta": "β"}


class PlainPrinter(StrPrinter):
    """One-line Unicode text of a formula (gates by name)."""

    def _print_Symbol(self, expr):
        notation = symbol_text(expr.name)
        if notation is not None:
            return notation.replace("*", STAR)  # t*, Δ̂*: a star of the notation, not a product
        stem, _, index = expr.name.partition("_")
        return UNICODE_NAMES.get(stem, stem) + (f"_{index}" if index else "")

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Relational(self, expr):
        ops = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥", "<": "<", ">": ">"}
        return f"{self._print(expr.lhs)} {ops[expr.rel_op]} {self._print(expr.rhs)}"

    def _print_And(self, expr):
        return " ∧ ".join(self._print(a) for a in expr.args)

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Implies(self, expr):
        return f"({self._print(expr.args[0])} ⇒ {self._print(expr.args[1])})"

    def _print_Or(self, expr):
        return "(" + " ∨ ".join(self._print(a) for a in expr.args) + ")"

    def _print_Function(self, expr):
        names = {"gagg": "g_agg", "resid_u": "u", "resid_v": "v"}
        name = type(expr).__name__
        if name == "logs":
            return "log s⁺" if expr.args[0] > 0 else "log s⁻"
        if name == "pos":
            return f"[{self._print(expr.args[0])}]₊"
        if name in ("gate_ppo", "gate_gspo"):
            return f"G_{expr.label}({self._print(expr.args[0])}, {self._print(expr.args[1])})"
        if name == "count_past":
            return f"#{{i : |ℓ_i| > {self._print(expr.args[0])}}}"
        if name == "same_mean":
            return f"log s^(l({self._print(expr.args[0])}))"
        if name == "clip_ratio":
            return f"clip({self._print(expr.args[0])}, 1 ± {self._print(expr.args[1])})"
        if name == "signed":
            return f"l({self._print(expr.args[0])})·({self._print(expr.args[1])})"
        args = expr.args[:1] if name in ("resid_u", "resid_v") else expr.args
        return f"{names.get(name, name)}({', '.join(self._print(a) for a in args)})"


def plain_formula(expr) -> str:
    """A formula as one line of Unicode text: powers as ^, products as ·, a numeric coefficient written against its
    factor (2δ), minus signs as −."""
    text = PlainPrinter().doprint(expr).replace("**", "^").replace("*", "·")
    text = COEFFICIENT.sub(r"\1", text)
    return MINUS.sub(r"\1−", text.replace(" - ", " − ")).replace(STAR, "*")


STAR = "\x00"
MINUS = re.compile(r"(^|[\s(\[,])-")  # a leading or unary hyphen becomes a minus sign
COEFFICIENT = re.compile(r"(?<![\w.^/])(\d+)·(?=[^\d(−-])")  # 2·δ → 2δ (not 2·(…) nor a digit after the dot)


def shown_statement(claim) -> tuple[Statement, str]:
    """(the statement typeset for a claim, the family note): a Family is shown at T = claim.shown."""
    if isinstance(claim, Family):
        if claim.instances:
            return claim.build(claim.shown), f"shown for {claim.instances}"
        index = claim.index
        return claim.build(claim.shown), f"shown for {index} = {claim.shown}; stated for every {index} ≥ {claim.t_min}"
    return claim, ""


def encoding(claim) -> tuple[str, tuple]:
    """(why the lemmas cover the whole domain, the lemmas) of a claim's parametric encoding; ('', ()) without one."""
    if isinstance(claim, (Family, Search)) and claim.lemmas:
        return claim.symbolic_domain, claim.lemmas
    return "", ()


def plain(claim) -> str:
    """A claim as one line: 'for x ∈ ℝ, ε > 0: hypotheses ⇒ conclusion' (Search: its family)."""
    if isinstance(claim, Search):
        return claim.family
    statement, note = shown_statement(claim)
    domains = ", ".join(plain_formula(s) + PLAIN_DOMAIN[domain_of(s)] for s in statement.variables)
    body = plain_formula(statement.conclusion)
    if statement.hypotheses:
        body = " ∧ ".join(plain_formula(h) for h in statement.hypotheses) + " ⇒ " + body
    text = f"for {domains}: {body}" if domains else body
    return text + (f" (≈, dropping {statement.error})" if statement.error else "") + (f" [{note}]" if note else "")


def plain_hypotheses(condition, claim) -> str:
    """The extra hypotheses of a condition, as text (a Family's condition at its shown T)."""
    hyps = condition(claim.shown) if isinstance(claim, Family) else condition
    return " ∧ ".join(plain_formula(h) for h in hyps)

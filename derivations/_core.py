"""Shared machinery of the derivations: checked steps, verdicts computed from them, exact search, rendering."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Iterable

import sympy as sp

from fiberpo_check.verdicts import Verdict

PRODUCER = "derivations"

# Worst first: a claim's status is the worst status contributed by any of its steps.
SEVERITY = ("refuted", "inconsistent", "holds-with-conditions", "approximate", "verified-numerically", "proved")


class DerivationError(RuntimeError):
    """A supporting step of our own machinery stopped holding: the build must fail, naming the claim."""


@dataclass
class Step:
    """One checked statement: a paper assertion (role 'claim'), a step of our own argument (role 'support'), or an
    exact cross-check of a claim already proved symbolically (role 'crosscheck': it can refute, never downgrade).

    `method` says how `holds` was established: 'proved' (SymPy, universally), 'exhaustive' (exact rationals
    over every listed case), 'approximate' (a limit or expansion, not an equality). `on_failure` is the status a
    failing claim step gives its claim (refuted, inconsistent, holds-with-conditions or approximate).
    """

    text: str
    holds: bool
    latex: str = ""
    method: str = "proved"
    role: str = "claim"
    on_failure: str = "refuted"
    evidence: str = ""

    def __post_init__(self) -> None:
        self.holds = bool(self.holds)

    def status(self) -> str | None:
        """The status this step contributes to its claim (None: a passing cross-check adds nothing)."""
        if not self.holds:
            return self.on_failure
        if self.role == "crosscheck":
            return None
        return {"proved": "proved", "exhaustive": "verified-numerically", "approximate": "approximate"}[self.method]


@dataclass
class Derivation:
    """A claim's checked derivation: its steps and the verdict they imply."""

    claim_id: str
    statement: str
    source: str
    steps: list[Step] = field(default_factory=list)
    summary: str = ""

    def add(self, step: Step) -> Step:
        """Append a step; a failing support step raises DerivationError naming the claim."""
        if step.role == "support" and not step.holds:
            raise DerivationError(f"{self.claim_id}: supporting step failed: {step.text}")
        self.steps.append(step)
        return step

    @property
    def status(self) -> str:
        """Worst status over the claim and cross-check steps (support steps only document the argument)."""
        claims = [s.status() for s in self.steps if s.role != "support" and s.status() is not None]
        return min(claims, key=SEVERITY.index) if claims else "not-yet-checked"

    def verdict(self) -> Verdict:
        """The computed Verdict record for the ledger."""
        failing = [s for s in self.steps if s.role != "support" and not s.holds]
        lead = self.summary or f"{sum(s.holds for s in self.steps)}/{len(self.steps)} steps hold"
        evidence = lead + "".join(f" | fails: {s.text}" + (f" ({s.evidence})" if s.evidence else "") for s in failing)
        details = {"steps": [{"text": s.text, "holds": s.holds, "method": s.method, "role": s.role,
                              "evidence": s.evidence} for s in self.steps]}
        return Verdict(self.claim_id, self.status, evidence, PRODUCER, details)


def is_zero(expr: sp.Expr) -> bool:
    """True when SymPy proves expr == 0 (simplify, then expand of the piecewise-free remainder)."""
    expr = sp.simplify(expr)
    return expr == 0 or sp.expand(expr) == 0


def identity_step(text: str, lhs: sp.Expr, rhs: sp.Expr, **kw) -> Step:
    """A step asserting lhs == rhs identically, proved (or not) by SymPy."""
    return Step(text, is_zero(lhs - rhs), latex=f"{sp.latex(lhs)} = {sp.latex(rhs)}", **kw)


def counterexample_search(cases: Iterable, predicate: Callable[..., bool]) -> tuple[int, object | None]:
    """Check predicate on every case (exact arithmetic); return (cases checked, first counterexample or None)."""
    n = 0
    for n, case in enumerate(cases, start=1):
        if not predicate(*case):
            return n, case
    return n, None


def search_step(text: str, cases: Iterable, predicate: Callable[..., bool], describe: Callable[..., str] | None = None,
                **kw) -> Step:
    """A step checked over exhaustive exact cases: 'no counterexample in N cases' or the counterexample found
    (with describe(*case) appended, to show the values that break the statement)."""
    n, bad = counterexample_search(cases, predicate)
    if bad is None:
        evidence = f"no counterexample in {n} exact cases"
    else:
        evidence = f"counterexample {fmt(bad)}" + (f": {describe(*bad)}" if describe else "")
    return Step(text, bad is None, method="exhaustive", evidence=evidence, **kw)


def grid(values: Iterable, repeat: int) -> Iterable[tuple]:
    """Cartesian power of a value list (exhaustive small cases)."""
    return itertools.product(list(values), repeat=repeat)


def rationals(lo: int, hi: int, den: int) -> list[Fraction]:
    """The rationals k/den for lo <= k <= hi."""
    return [Fraction(k, den) for k in range(lo, hi + 1)]


def fmt(obj) -> str:
    """Deterministic text for exact values, tuples and lists (Fractions as p/q)."""
    if isinstance(obj, Fraction):
        return str(obj)
    if isinstance(obj, (tuple, list)):
        return "(" + ", ".join(fmt(o) for o in obj) + ")"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in obj.items()) + "}"
    return str(obj)


def frac_clip(x: Fraction, bound: Fraction) -> Fraction:
    """clip(x, -B+, B+) with B+ = max(B, 0), exactly (Def C.1)."""
    b = max(bound, Fraction(0))
    return min(max(x, -b), b)


def frac_g_agg(x: Fraction, c: Fraction, k) -> Fraction:
    """g_agg(x, C, k) exactly (eq 10 = eq 78); sign(0) = 0 is irrelevant since the rollback needs |x| > C."""
    if abs(x) <= c:
        return x
    if abs(x) < (1 + Fraction(1) / k) * c:
        return (1 if x > 0 else -1) * (k + 1) * c - k * x
    return Fraction(0)


def channel_means(ell: tuple) -> tuple[Fraction, Fraction]:
    """log s+ and log s−: means of max(ℓ, 0) and max(−ℓ, 0) over a trajectory (eq 9)."""
    big_t = len(ell)
    return Fraction(sum(max(v, 0) for v in ell)) / big_t, Fraction(sum(max(-v, 0) for v in ell)) / big_t


def fiber_log_gate(ell: tuple, c_pos: Fraction, c_neg: Fraction, eps: Fraction) -> list[Fraction]:
    """log G_i = g_agg(log s+) − g_agg(log s−) + clip(l u) − clip(l v), exactly, sign(0) := +1 (eqs 8, 16)."""
    big_t = len(ell)
    pos, neg = channel_means(ell)
    base = frac_g_agg(pos, c_pos, big_t) - frac_g_agg(neg, c_neg, big_t)
    out = []
    for v in ell:
        same, opposite = (v - pos, -neg) if v >= 0 else (v + neg, pos)  # l u and l v (eqs 14, 15)
        out.append(base + frac_clip(same, eps) - frac_clip(opposite, eps))
    return out


# ---------------------------------------------------------------- rendering

CHECK, CROSS = r"$\checkmark$", r"$\times$"

UNICODE_TEX = {
    "±": r"\pm", "²": "^{2}", "³": "^{3}", "⁴": "^{4}", "⁶": "^{6}", "⁺": "^{+}", "⁻": "^{-}", "·": r"\cdot",
    "¼": r"\tfrac14", "½": r"\tfrac12", "×": r"\times", "Δ": r"\Delta", "Σ": r"\Sigma", "γ": r"\gamma",
    "δ": r"\delta", "ε": r"\epsilon", "θ": r"\theta", "κ": r"\kappa", "μ": r"\mu", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "‖": r"\|", "ℓ": r"\ell", "ℤ": r"\mathbb{Z}", "←": r"\leftarrow",
    "→": r"\to", "⇒": r"\Rightarrow", "∂": r"\partial", "∈": r"\in", "−": "-", "∘": r"\circ", "√": r"\surd",
    "∞": r"\infty", "∩": r"\cap", "∼": r"\sim", "≈": r"\approx", "≠": r"\neq", "≤": r"\le", "≥": r"\ge",
    "≲": r"\lesssim", "≳": r"\gtrsim", "Â": r"\hat{A}",
}
COMBINING_TEX = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar"}
TEXT_TEX = {"–": "--", "—": "---", "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}", "$": r"\$"}


def _tex_escape(text: str) -> str:
    """Escape LaTeX specials in running text and write Unicode math as ASCII LaTeX (works with pdflatex)."""
    out: list[str] = []
    for ch in text:
        if ch in COMBINING_TEX and out:
            out[-1] = f"\\ensuremath{{{COMBINING_TEX[ch]}{{{out[-1]}}}}}"
        elif ch in UNICODE_TEX:
            out.append(f"\\ensuremath{{{UNICODE_TEX[ch]}}}")
        else:
            out.append(TEXT_TEX.get(ch, ch))
    return "".join(out)


def render_tex(title: str, derivations: list[Derivation]) -> str:
    """A LaTeX fragment, ready to \\input: one subsection per claim with statement, steps and verdict."""
    out = [f"% generated by `python -m fiberpo_check derivations`; do not edit", f"\\section*{{{_tex_escape(title)}}}"]
    for d in derivations:
        out += [f"\\subsection*{{{d.claim_id}: {_tex_escape(d.source)}}}\\label{{deriv:{d.claim_id}}}",
                f"\\textbf{{Claim.}} {_tex_escape(d.statement)}", "\\begin{enumerate}"]
        for s in d.steps:
            mark, box = ("holds", CHECK) if s.holds else ("FAILS", CROSS)
            line = f"  \\item[{box}] {_tex_escape(s.text)}"
            if s.latex:
                line += f"\\\\ $\\displaystyle {s.latex}$"
            line += f" \\emph{{({s.role}, {s.method}, {mark}"
            line += f"; {_tex_escape(s.evidence)})}}" if s.evidence else ")}"
            out.append(line)
        out += ["\\end{enumerate}", f"\\textbf{{Verdict: {d.status}.}} {_tex_escape(d.summary)}", ""]
    return "\n".join(out) + "\n"


def render_md(title: str, derivations: list[Derivation]) -> str:
    """The Markdown twin of render_tex."""
    out = [f"<!-- generated by `python -m fiberpo_check derivations`; do not edit -->", f"# {title}", ""]
    for d in derivations:
        out += [f"## {d.claim_id} ({d.source})", "", f"**Claim.** {d.statement}", ""]
        for i, s in enumerate(d.steps, start=1):
            line = f"{i}. {'✓' if s.holds else '✗'} {s.text}"
            if s.latex:
                line += f" — ${s.latex}$"
            line += f" *({s.role}, {s.method}, {'holds' if s.holds else 'FAILS'}"
            line += f"; {s.evidence})*" if s.evidence else ")*"
            out.append(line)
        out += ["", f"**Verdict: {d.status}.** {d.summary}", ""]
    return "\n".join(out) + "\n"

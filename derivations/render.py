"""LaTeX, Markdown and plain text typeset from the Statement objects (formula.py) and their outcomes.

Every formula printed is the checked formula itself: variables with their domains, hypotheses, conclusion. The
LaTeX is ASCII, needs only amsmath and amssymb under a plain `article`, and keeps formulas breakable (inline math
split at conjunctions and relations, no \\left/\\right groups). Each claim is an unnumbered \\subsection* whose
label text is its id (no counter of the including document changes), so `\\ref{deriv:FPO-2}` prints "FPO-2".
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from fiberpo_check.verification.claims import BY_ID
from fiberpo_check.verification.verdicts import combine, row_status

from .formula import Family, Search, Statement, domain_of
from .provers import CheckedPart

TEX_DOMAIN = {"real": r"\in\mathbb{R}", "positive": ">0", "nonnegative": r"\ge 0", "nonzero": r"\neq 0",
              "positive integer": r"\in\mathbb{Z}_{>0}"}
PLAIN_DOMAIN = {"real": " ∈ ℝ", "positive": " > 0", "nonnegative": " ≥ 0", "nonzero": " ≠ 0",
                "positive integer": " ∈ ℤ>0"}
NOTATION = (r"Notation (Sec.~5): $[x]_{+}=\max(x,0)$; $\log s^{\pm}$ is the mean of $[\pm\ell_t]_{+}$ over the "
            r"trajectory (eq.~9); $l(x)$ is the sign label of eq.~13 with $l(0)=+1$; $u(\ell_i)$, $v(\ell_i)$ are "
            r"the fiber residual and opposite aggregate of eqs.~14--15; $\operatorname{clip}(x,\pm B)$ clamps to "
            r"$[-\max(B,0),\max(B,0)]$ (Def.~C.1); $g_{\mathrm{agg}}(x,C,k)$ is eq.~10.")
UNICODE_NAMES = {"epsilon": "ε", "ell": "ℓ", "gamma": "γ", "delta": "δ", "Delta": "Δ", "sigma": "σ", "tau": "τ"}


# ---------------------------------------------------------------- plain text (SubStatement.text, the terminal)


class PlainPrinter(StrPrinter):
    """One-line Unicode text of a formula (gates by name)."""

    def _print_Symbol(self, expr):
        stem, _, index = expr.name.partition("_")
        return UNICODE_NAMES.get(stem, stem) + (f"_{index}" if index else "")

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Relational(self, expr):
        ops = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥", "<": "<", ">": ">"}
        return f"{self._print(expr.lhs)} {ops[expr.rel_op]} {self._print(expr.rhs)}"

    def _print_And(self, expr):
        return " ∧ ".join(self._print(a) for a in expr.args)

    def _print_Or(self, expr):
        return "(" + " ∨ ".join(self._print(a) for a in expr.args) + ")"

    def _print_Function(self, expr):
        names = {"gagg": "g_agg", "resid_u": "u", "resid_v": "v"}
        name = type(expr).__name__
        if name == "logs":
            return "log s⁺" if expr.args[0] > 0 else "log s⁻"
        if name == "pos":
            return f"[{self._print(expr.args[0])}]₊"
        if name == "signed":
            return f"l({self._print(expr.args[0])})·({self._print(expr.args[1])})"
        args = expr.args[:1] if name in ("resid_u", "resid_v") else expr.args
        return f"{names.get(name, name)}({', '.join(self._print(a) for a in args)})"


def plain_formula(expr) -> str:
    """A formula as one line of Unicode text."""
    return PlainPrinter().doprint(expr).replace("**", "^")


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


# ---------------------------------------------------------------- LaTeX

TEXT_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                "~": r"\textasciitilde{}", "^": r"\^{}", "$": r"\$", "<": r"\textless{}", ">": r"\textgreater{}",
                "|": r"\textbar{}", "–": "--", "—": "---", "§": r"\S{}", "’": "'", "“": "``", "”": "''"}
TEXT_MATH = {"±": r"\pm", "·": r"\cdot", "×": r"\times", "Δ": r"\Delta", "γ": r"\gamma", "δ": r"\delta",
             "ε": r"\epsilon", "ℓ": r"\ell", "σ": r"\sigma", "τ": r"\tau", "π": r"\pi", "θ": r"\theta",
             "→": r"\to", "⇒": r"\Rightarrow", "≤": r"\le", "≥": r"\ge", "≈": r"\approx", "≠": r"\neq",
             "∞": r"\infty", "∈": r"\in", "−": "-", "∨": r"\vee", "∧": r"\wedge", "⁺": "^{+}", "⁻": "^{-}", "²": "^{2}",
             "³": "^{3}", "₊": "_{+}", "√": r"\surd", "ℝ": r"\mathbb{R}", "ℤ": r"\mathbb{Z}", "∑": r"\sum",
             "Σ": r"\Sigma", "‖": r"\|", "∘": r"\circ", "≲": r"\lesssim", "∗": "*", "∇": r"\nabla", "⁶": "^{6}", "←": r"\leftarrow", "ⁿ": "^{n}", "≡": r"\equiv", "Â": r"\hat{A}"}
TEXT_MATH.update({sup: f"^{{{d}}}" for d, sup in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})
TEXT_MATH.update({sub: f"_{{{d}}}" for d, sub in enumerate("₀₁₂₃₄₅₆₇₈₉")})
TEXT_MATH.update({"α": r"\alpha", "β": r"\beta", "η": r"\eta", "λ": r"\lambda", "μ": r"\mu", "ρ": r"\rho",
                  "φ": r"\phi", "ψ": r"\psi", "ω": r"\omega", "Π": r"\Pi", "⊆": r"\subseteq", "∀": r"\forall",
                  "∃": r"\exists", "≔": ":=", "⋅": r"\cdot", "ˆ": r"\hat{}", "×": r"\times", "∂": r"\partial",
                  "⟨": r"\langle", "…": r"\ldots", "⟩": r"\rangle", "∩": r"\cap", "∪": r"\cup", "∼": r"\sim", "½": r"\tfrac12",
                  "¼": r"\tfrac14", "ε": r"\epsilon", "κ": r"\kappa", "ξ": r"\xi", "ν": r"\nu", "ζ": r"\zeta", "≳": r"\gtrsim", "Ĵ": r"\hat{J}"})
COMBINING = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar"}


SUBSCRIPTED = re.compile(r"([A-Za-zℓεγδσΔ])_([0-9a-z+\-]+)")


def tex_text(text: str) -> str:
    """Running text as ASCII LaTeX: specials escaped, Unicode symbols and subscripted names (ℓ_1, C_+) as math,
    combining accents kept, the sign of a negative number a minus rather than a hyphen."""
    pieces = SUBSCRIPTED.split(text)
    if len(pieces) > 1:
        out = []
        for k in range(0, len(pieces) - 1, 3):
            stem = TEXT_MATH.get(pieces[k + 1], pieces[k + 1])
            out.append(tex_text(pieces[k]) + rf"\ensuremath{{{stem}_{{{pieces[k + 2]}}}}}")
        return "".join(out) + tex_text(pieces[-1])
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == "-" and text[i + 1 : i + 2].isdigit() and not text[i - 1 : i].isalnum():  # a negative number
            out.append(r"\ensuremath{-}")
        elif ch in COMBINING and out:
            out[-1] = rf"\ensuremath{{{COMBINING[ch]}{{{out[-1]}}}}}"
        elif ch in TEXT_MATH:
            out.append(rf"\ensuremath{{{TEXT_MATH[ch]}}}")
        elif ch in TEXT_ESCAPES or ch.isascii():
            out.append(TEXT_ESCAPES.get(ch, ch))
        else:
            raise ValueError(f"text: no LaTeX for {ch!r} in {text!r}")
    return "".join(out)


class BreakablePrinter(LatexPrinter):
    """sympy's LaTeX without brace groups around |x| (TeX cannot break inside a brace group)."""

    def _print_Function(self, expr, exp=None):
        if not isinstance(expr, AppliedUndef):
            return super()._print_Function(expr, exp)
        name = self._print(sp.Symbol(type(expr).__name__))
        return f"{name}(" + r",\allowbreak ".join(self._print(a) for a in expr.args) + ")"

    def _print_Abs(self, expr, exp=None):
        tex = rf"\lvert {self._print(expr.args[0])}\rvert "
        return rf"{tex}^{{{exp}}}" if exp else tex


def tex_formula(expr) -> str:
    """One formula as breakable ASCII LaTeX (no \\left/\\right groups, so TeX may break at relations)."""
    tex = BreakablePrinter({"fold_short_frac": True, "mul_symbol": None}).doprint(expr)
    tex = re.sub(r"\\(left|right)(?=[(\[|.)\]])", "", tex).replace(r"\left\{", r"\{").replace(r"\right\}", r"\}")
    return tex.replace(r"\left.", "").replace(r"\right.", "")


def tex_math_list(formulas, joiner: str) -> str:
    """Several formulas, each in its own inline math, joined by text (so lines break between them)."""
    return joiner.join(f"${tex_formula(f)}$" for f in formulas)


def tex_statement(claim) -> str:
    """Variables with domains, hypotheses, conclusion of a claim (a Search: its named finite family)."""
    return r"\\".join(tex_statement_lines(claim))


def tex_statement_lines(claim) -> list[str]:
    """tex_statement as its lines."""
    if isinstance(claim, Search):
        return [rf"Exact check over every case of: {tex_text(claim.family)}.", *tex_encoding(claim)]
    statement, note = shown_statement(claim)
    lines = []
    if statement.variables:
        groups: dict[str, list] = {}
        for s in statement.variables:
            groups.setdefault(domain_of(s), []).append(s)
        lines.append("For " + ", ".join("$" + r",\allowbreak ".join(sp.latex(s) for s in syms) + TEX_DOMAIN[d] + "$"
                                        for d, syms in groups.items()) + ":")
    if statement.hypotheses:
        lines.append(r"\emph{if} " + tex_math_list(statement.hypotheses, r", \ "))
    conclusion = statement.conclusion.args if isinstance(statement.conclusion, sp.And) else (statement.conclusion,)
    lines.append((r"\emph{then} " if statement.hypotheses else "") + tex_math_list(conclusion, r" \ and\ "))
    if statement.error:
        lines.append(rf"(approximately, dropping {tex_text(statement.error)})")
    if note:
        lines.append(rf"({tex_text(note)})")
    return [*lines, *tex_encoding(claim)]


def tex_encoding(claim) -> list[str]:
    """The parametric encoding: why it covers the whole domain, then each lemma with its variables' domains."""
    why, lemmas = encoding(claim)
    if not lemmas:
        return []
    lines = [rf"\emph{{Encoding:}} {tex_text(why)}"]
    for n, lemma in enumerate(lemmas, start=1):
        lines.append(rf"\emph{{Lemma {n}.}} " + " ".join(tex_statement_lines(lemma)))
    return lines


def tex_outcome(outcome, part) -> str:
    """One engine's finding, as a sentence (the unstated condition typeset from the part's formulas)."""
    held = "holds" if outcome.holds else "fails"
    out = rf"{tex_text(outcome.engine)} ({tex_text(outcome.method)}, {tex_text(outcome.domain)}): {held}"
    if outcome.counterexample:
        out += rf"; counterexample {tex_text(outcome.counterexample)}"
    if outcome.condition:
        hyps = part.condition(part.claim.shown) if isinstance(part.claim, Family) else part.condition
        out += rf"; under the unstated condition {tex_math_list(hyps, ', ')} it "
        out += "holds" if outcome.condition_holds else "still fails"
    if outcome.error:
        out += rf"; error {tex_text(outcome.error)}"
    return out + "."


def claim_tex(claim_id: str, checked: list[CheckedPart]) -> str:
    """One claim: \\subsection numbered by the claim id, the paper's statement, each part with its formula."""
    claim = BY_ID[claim_id]
    status = row_status(c.substatement() for c in checked).value
    out = [rf"\subsection*{{{claim_id}: {tex_text(claim.source)}}}",
           rf"\makeatletter\def\@currentlabel{{{claim_id}}}\makeatother\label{{deriv:{claim_id}}}",
           r"\begin{flushleft}", rf"\textbf{{Claim.}} {tex_text(claim.text)}\par", r"\begin{itemize}"]
    for c in checked:
        p = c.part
        out.append(rf"\item \textbf{{{tex_text(p.id)}}} ({tex_text(p.role)}, {tex_text(p.source)}): "
                   rf"\textbf{{{combine(c.outcomes).value}}}.\\")
        out.append(tex_statement(p.claim))
        out += [r"\\" + tex_outcome(o, p) for o in c.outcomes]
        if p.note:
            out.append(r"\\" + tex_text(p.note))
    out += [r"\end{itemize}", rf"\textbf{{Row status: {status}.}}", r"\end{flushleft}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- Markdown


def md_statement(claim) -> str:
    """The claim's formula in Markdown math."""
    if isinstance(claim, Search):
        return f"exact check over every case of: {claim.family}" + md_encoding(claim)
    statement, note = shown_statement(claim)
    domains = ", ".join(f"${sp.latex(s)}{TEX_DOMAIN[domain_of(s)]}$" for s in statement.variables)
    hyps = " and ".join(f"${tex_formula(h)}$" for h in statement.hypotheses)
    conclusion = f"${tex_formula(statement.conclusion)}$"
    text = (f"for {domains}: " if domains else "") + (f"if {hyps} then {conclusion}" if hyps else conclusion)
    return (text + (f" (≈, dropping {statement.error})" if statement.error else "") + (f" ({note})" if note else "")
            + md_encoding(claim))


def md_encoding(claim) -> str:
    """The parametric encoding as indented Markdown lines under the statement."""
    why, lemmas = encoding(claim)
    if not lemmas:
        return ""
    return f"\n  - *Encoding:* {why}" + "".join(f"\n  - *Lemma {n}.* {md_statement(lemma)}"
                                                 for n, lemma in enumerate(lemmas, start=1))


def claim_md(claim_id: str, checked: list[CheckedPart]) -> str:
    """The Markdown twin of claim_tex."""
    claim = BY_ID[claim_id]
    status = row_status(c.substatement() for c in checked).value
    out = [f"## {claim_id} ({claim.source})", "", f"**Claim.** {claim.text}", ""]
    for c in checked:
        p = c.part
        out.append(f"- **{p.id}** ({p.role}, {p.source}): **{combine(c.outcomes).value}**. " + md_statement(p.claim))
        for o in c.outcomes:
            line = f"  - {o.engine} ({o.method}, {o.domain}): {'holds' if o.holds else 'fails'}"
            line += f"; counterexample {o.counterexample}" if o.counterexample else ""
            if o.condition:
                line += f"; under the unstated condition {o.condition} it " + (
                    "holds" if o.condition_holds else "still fails")
            out.append(line + (f"; error {o.error}" if o.error else ""))
        if p.note:
            out.append(f"  - {p.note}")
    return "\n".join([*out, "", f"**Row status: {status}.**", ""]) + "\n"

"""LaTeX and Markdown typeset from the Statement objects (formula.py) and their outcomes (plain text: plain.py).

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

from fiberpo_check.vocabulary.claims import BY_ID
from fiberpo_check.vocabulary.verdicts import combine, row_status

from .formula import Family, Search, domain_of
from .notation import PAPER_FORMS, symbol_tex, table_rows
from .plain import encoding, shown_statement
from .provers import CheckedPart

TEX_DOMAIN = {"real": r"\in\mathbb{R}", "positive": ">0", "nonnegative": r"\ge 0", "nonzero": r"\neq 0",
              "positive integer": r"\in\mathbb{Z}_{>0}"}
NOTATION = (r"(Sec.~5) $[x]_{+}=\max(x,0)$; $\log s^{\pm}$ is the mean of $[\pm\ell_t]_{+}$ over the "
            r"trajectory (eq.~9); $l(x)$ is the sign label of eq.~13 with $l(0)=+1$; $u(\ell_i)$, $v(\ell_i)$ are "
            r"the fiber residual and opposite aggregate of eqs.~14--15; $\operatorname{clip}(x,\pm B)$ clamps to "
            r"$[-\max(B,0),\max(B,0)]$ (Def.~C.1); $g_{\mathrm{agg}}(x,C,k)$ is eq.~10.")


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


SCRIPTED = re.compile(r"(?<![A-Za-z])([A-Za-zℓεγδσΔπθΣτμÂ][\u0302\u0303]?[⁺⁻']?)((?:[_^](?:\([^()\s]*\)|\{[^{}\s]*\}|[A-Za-z0-9+\-τσγδ]+))+)")
SCRIPT = re.compile(r"([_^])(\([^()\s]*\)|\{[^{}\s]*\}|[A-Za-z0-9+\-τσγδ]+)")


def math_chars(text: str) -> str:
    """Characters inside math: Unicode symbols as macros, a word (APC, max, agg; not an index pair like aa) upright."""
    words = re.compile(r"[A-Za-z]{3,}|[A-Za-z]*[A-Z][A-Za-z]*")
    out, last = [], 0
    for m in words.finditer(text):
        out.append("".join(math_char(ch) for ch in text[last:m.start()]))
        out.append(rf"\mathrm{{{m.group(0)}}}" if len(m.group(0)) > 1 else m.group(0))
        last = m.end()
    return "".join(out) + "".join(math_char(ch) for ch in text[last:])


def math_char(ch: str) -> str:
    """One character inside math (a macro name is closed by a space, so \\leftarrow k does not run on)."""
    tex = TEXT_MATH.get(ch, ch)
    if not tex.isascii():
        raise ValueError(f"text: no LaTeX for {ch!r}")
    return tex + " " if tex.startswith("\\") and tex[-1].isalpha() else tex


def scripted_math(stem: str, scripts: str) -> str:
    """Math-mode LaTeX of a name with sub- and superscripts (δ_APC, D^max_TV, s^(l_i), e^{±ε}); a code name of the
    symbol table (C_+, A_inf) in the paper's notation."""
    if symbol_tex(stem + scripts) is not None:
        return symbol_tex(stem + scripts)
    out = math_char(stem[0]).strip()
    for mark in stem[1:]:
        out = rf"{COMBINING[mark]}{{{out}}}" if mark in COMBINING else out + math_char(mark)
    seen = set()
    for mark, body in SCRIPT.findall(scripts):
        out += ("{}" if mark in seen else "") + f"{mark}{{{math_expr(body[1:-1] if body[0] == '{' else body)}}}"
        seen = {mark} if mark in seen else seen | {mark}
    return out


def math_expr(text: str) -> str:
    """Math-mode LaTeX of a short piece of a formula written in text (scripts nested, symbols as macros)."""
    pieces = SCRIPTED.split(text)
    out = [math_chars(pieces[0])]
    for k in range(1, len(pieces) - 1, 3):
        out += [scripted_math(pieces[k], pieces[k + 1]), math_chars(pieces[k + 2])]
    return "".join(out)


def tex_scripted(stem: str, scripts: str) -> str:
    """A scripted name in running text, as inline math."""
    return rf"\ensuremath{{{scripted_math(stem, scripts)}}}"


def tex_text(text: str) -> str:
    """Running text as ASCII LaTeX: specials escaped, Unicode symbols and scripted names (ℓ_1, C_+, δ_APC,
    D^max_TV) as math, combining accents kept, the sign of a negative number a minus rather than a hyphen."""
    pieces = SCRIPTED.split(text)
    if len(pieces) > 1:
        out = []
        for k in range(0, len(pieces) - 1, 3):
            out.append(tex_text(pieces[k]) + tex_scripted(pieces[k + 1], pieces[k + 2]))
        return "".join(out) + tex_text(pieces[-1])
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == "-" and text[i + 1 : i + 2].isdigit() and not text[i - 1 : i].isalnum():  # a negative number
            out.append(r"\ensuremath{-}")
        elif ch in COMBINING and out:
            out[-1] = rf"\ensuremath{{{COMBINING[ch]}{{{out[-1]}}}}}"
        elif ch in TEXT_MATH:
            out.append(rf"\ensuremath{{{TEXT_MATH[ch]}}}")
        elif ch == "/":
            out.append(r"/\allowbreak{}")  # long fractions written in text may break after a slash
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

    def _print_Symbol(self, expr, style="plain"):
        return symbol_tex(expr.name) or super()._print_Symbol(expr, style)

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
        lines.append("For " + ", ".join("$" + r",\allowbreak ".join(tex_formula(s) for s in syms) + TEX_DOMAIN[d] + "$"
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


ENGINES = {"sympy": "SymPy", "z3": "z3", "sympy+z3": "SymPy and z3", "exact-rationals": "exact rationals"}
HEADINGS = "\n".join([
    r"% heading levels: define \fpogroup and \fpoclaim before \input to choose them (defaults below)",
    r"\providecommand{\fpogroup}[1]{\subsection*{#1}}",
    r"\providecommand{\fpoclaim}[1]{\subsubsection*{#1}}",
    r"\makeatletter\providecommand{\fpolabel}[2]{\begingroup\def\@currentlabel{#2}\label{#1}\endgroup}\makeatother",
])
COMPACT = 420  # characters of LaTeX above which a checked formula goes to the machine appendix
MACHINE = "derivations/out/machine.tex"


def tex_label(key: str, shown: str) -> str:
    """A \\label whose \\ref prints `shown` (a claim or sub-statement id), without touching any counter."""
    return rf"\fpolabel{{{key}}}{{{tex_text(shown)}}}"


def engines_text(outcomes) -> str:
    """Which engine decided what, on which domain: 'SymPy, all T; z3, every T ≤ 3'."""
    return "; ".join(f"{ENGINES.get(o.engine, o.engine)}, {o.domain}" for o in outcomes)


def compact(claim) -> bool:
    """Whether the statement typesets in a few lines without derivative obligations (else its formula goes to the
    machine appendix)."""
    if isinstance(claim, Search):
        return True
    statement, _ = shown_statement(claim)
    conclusion = statement.conclusion.args if isinstance(statement.conclusion, sp.And) else (statement.conclusion,)
    if any(f.has(sp.Derivative, sp.Subs) for f in (*statement.hypotheses, *conclusion)):
        return False
    size = sum(len(tex_formula(f)) for f in (*statement.hypotheses, *conclusion))
    return size <= COMPACT and len(conclusion) <= 6


def trivial(claim) -> bool:
    """A statement SymPy evaluated to True when it was built (it prints as 'True', which says nothing)."""
    return not isinstance(claim, Search) and shown_statement(claim)[0].conclusion is sp.true


def obligations(claim) -> str:
    """What a long statement consists of, counted from the object: 'a conjunction of 104 identities over …'."""
    statement, note = shown_statement(claim)
    conclusion = statement.conclusion.args if isinstance(statement.conclusion, sp.And) else (statement.conclusion,)
    names = (", ".join(f"${tex_formula(v)}$" for v in statement.variables) if len(statement.variables) <= 8
             else f"{len(statement.variables)} variables")
    hyps = f" under {len(statement.hypotheses)} hypotheses" if statement.hypotheses else ""
    where = f" ({tex_text(note)})" if note else ""
    return (rf"{len(conclusion)} {'identities' if len(conclusion) > 1 else 'formula'}{hyps} in {names}{where}; "
            rf"printed in full in \texttt{{{tex_text(MACHINE)}}}.")


def condition_tex(part) -> str:
    """The unstated condition of a part: its hypotheses as math (a Family's at its shown T), or the named finite family
    of a Search on which it was checked."""
    if isinstance(part.condition, Search):
        return tex_text(part.condition.family)
    hyps = part.condition(part.claim.shown) if isinstance(part.claim, Family) else part.condition
    return tex_math_list(hyps, ", ") if sum(len(tex_formula(h)) for h in hyps) <= COMPACT else "(see the appendix)"


def tex_finding(outcome, part) -> str:
    """What a failing (or conditional) outcome found: the counterexample, the unstated condition, the error."""
    out = []
    if outcome.counterexample:
        out.append(rf"\emph{{Counterexample}} ({tex_text(ENGINES.get(outcome.engine, outcome.engine))}, re-checked "
                   rf"in exact rationals): {tex_text(outcome.counterexample)}.")
    if outcome.condition:
        out.append(rf"\emph{{Unstated condition}} {condition_tex(part)}: under it the statement "
                   + ("holds." if outcome.condition_holds else "still fails."))
    if outcome.error:
        out.append(rf"\emph{{Error}} {tex_text(outcome.error)}.")
    if outcome.conflict:
        out.append(rf"\emph{{Conflict}}: {tex_text(outcome.conflict)}.")
    return " ".join(out)


def tex_outcome(outcome, part) -> str:
    """One engine's finding, as a sentence (the appendix's full record)."""
    held = "holds" if outcome.holds else "fails"
    out = rf"{tex_text(ENGINES.get(outcome.engine, outcome.engine))} ({tex_text(outcome.method)}, {tex_text(outcome.domain)}): {held}"
    if outcome.counterexample:
        out += rf"; counterexample {tex_text(outcome.counterexample)}"
    if outcome.condition:
        out += rf"; under the unstated condition {condition_tex(part)} it "
        out += "holds" if outcome.condition_holds else "still fails"
    if outcome.error:
        out += rf"; error {tex_text(outcome.error)}"
    return out + "."


def paper_form_tex(part_id: str) -> list[str]:
    """The paper's printed form of a sub-statement (display math), when the notation table carries one."""
    form = PAPER_FORMS.get(part_id)
    if form is None:
        return []
    lines = [rf"\emph{{The paper ({tex_text(form.source)}):}}"]
    lines += [r"\begin{gather*}" + "\n" + "\\displaybreak[0]\\\\\n".join(form.display) + "\n" + r"\end{gather*}"]  # a page may break between lines
    return lines


def part_tex(checked: CheckedPart) -> str:
    """One sub-statement in the main text: id and label, status with engines and domains, the paper's form, the
    checked formula (or its size and a pointer to the appendix), how the encoding covers the domain, findings."""
    p = checked.part
    out = [rf"\par\smallskip\noindent\textbf{{{tex_text(p.id)}}}{tex_label('deriv:' + p.id, p.id)} "
           rf"({tex_text(p.role)}, {tex_text(p.source)}): \textbf{{{combine(checked.outcomes).value}}} --- "
           rf"{tex_text(engines_text(checked.outcomes))}.\par"]
    out += paper_form_tex(p.id)
    checked_what = (r"the formula, built from the definitions, simplifies to True exactly (SymPy)." if trivial(p.claim)
                    else tex_statement(p.claim) if compact(p.claim) else obligations(p.claim))
    out.append(rf"\noindent\emph{{Checked:}} {checked_what}\par")
    form = PAPER_FORMS.get(p.id)
    if form is not None and form.encoding:
        out.append(rf"\noindent\emph{{Why every case:}} {form.encoding}\par")
    steps = [s for s in p.support if compact(s) and not trivial(s)]
    for step in steps:
        out.append(rf"\noindent\emph{{Supporting step (proved):}} {tex_statement(step)}\par")
    if p.note:
        out.append(rf"\noindent {tex_text(p.note[0].upper() + p.note[1:])}\par")
    findings = [tex_finding(o, p) for o in checked.outcomes]
    out += [rf"\noindent {f}\par" for f in findings if f]
    return "\n".join(out)


def claim_tex(claim_id: str, checked: list[CheckedPart]) -> str:
    """One claim: its heading and label (\\ref prints the id), the claim in notation, its status in one line, and
    each sub-statement (part_tex); the formulas too long to read go to the machine appendix (machine_tex)."""
    claim = BY_ID[claim_id]
    status = row_status(c.substatement() for c in checked).value
    engines = sorted({ENGINES.get(o.engine, o.engine) for c in checked for o in c.outcomes})
    out = [rf"\fpoclaim{{{claim_id} ({tex_text(claim.source)})}}{tex_label('deriv:' + claim_id, claim_id)}",
           r"\begin{flushleft}", rf"\textbf{{Claim.}} {tex_text(claim.text)}.\par",
           rf"\noindent\textbf{{Status: {status}}} (derivations: {', '.join(engines)}; {len(checked)} "
           rf"sub-statement{'s' if len(checked) > 1 else ''}).\par"]
    out += [part_tex(c) for c in checked]
    out += [r"\end{flushleft}", ""]
    return "\n".join(out)


def machine_tex(claim_id: str, checked: list[CheckedPart]) -> str:
    """The machine appendix of a claim: every sub-statement's full formula and every engine's record."""
    out = [rf"\paragraph*{{{claim_id}}}", r"\begin{flushleft}", r"\begin{itemize}"]
    for c in checked:
        p = c.part
        out.append(rf"\item \textbf{{{tex_text(p.id)}}}{tex_label('machine:' + p.id, p.id)}: "
                   rf"\textbf{{{combine(c.outcomes).value}}}.\\")
        out.append(tex_statement(p.claim))
        out += [r"\\" + tex_outcome(o, p) for o in c.outcomes]
        out += [r"\\Supporting step: " + tex_statement(s) for s in p.support]
    out += [r"\end{itemize}", r"\end{flushleft}", ""]
    return "\n".join(out)


def other_claim_tex(claim, row: dict | None) -> str:
    """A claim no derivation checks (numeric or empirical): labelled like the others, its status from the ledger."""
    status = rf"\textbf{{Status: {tex_text(row['status'])}}}" if row else r"\textbf{Status:} see the claims ledger"
    return "\n".join([rf"\fpoclaim{{{claim.id} ({tex_text(claim.source)})}}{tex_label('deriv:' + claim.id, claim.id)}",
                      r"\begin{flushleft}", rf"\textbf{{Claim.}} {tex_text(claim.text)}.\par",
                      rf"\noindent {status} ({tex_text(claim.kind)}; \texttt{{reports/claims.md}}).\par",
                      r"\end{flushleft}", ""])


def symbol_table_tex() -> str:
    """The notation paragraph: the gates, and the paper's symbol for each name the statements use."""
    items = "; ".join(rf"${tex}$: {tex_text(meaning)}" for _, tex, meaning in table_rows())
    return rf"\noindent\emph{{Notation.}} {NOTATION} Symbols: {items}." + "\n"


# ---------------------------------------------------------------- Markdown


def md_statement(claim) -> str:
    """The claim's formula in Markdown math."""
    if isinstance(claim, Search):
        return f"exact check over every case of: {claim.family}" + md_encoding(claim)
    statement, note = shown_statement(claim)
    domains = ", ".join(f"${tex_formula(s)}{TEX_DOMAIN[domain_of(s)]}$" for s in statement.variables)
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


def minus_signs(text: str) -> str:
    """A hyphen before a digit that starts a number becomes a minus sign (−2, not -2)."""
    return re.sub(r"(?<![\w)])-(?=\d)", "−", text)


def md_obligations(claim) -> str:
    """Markdown twin of obligations()."""
    statement, note = shown_statement(claim)
    conclusion = statement.conclusion.args if isinstance(statement.conclusion, sp.And) else (statement.conclusion,)
    hyps = f" under {len(statement.hypotheses)} hypotheses" if statement.hypotheses else ""
    return (f"{len(conclusion)} {'identities' if len(conclusion) > 1 else 'formula'}{hyps}"
            + (f" ({note})" if note else "") + f"; in full in `{MACHINE.replace('.tex', '.md')}`")


def claim_md(claim_id: str, checked: list[CheckedPart]) -> str:
    """The Markdown twin of claim_tex."""
    claim = BY_ID[claim_id]
    status = row_status(c.substatement() for c in checked).value
    out = [f"## {claim_id} ({claim.source})", "", f"**Claim.** {claim.text}.", "", f"**Status: {status}.**", ""]
    for c in checked:
        p = c.part
        out.append(f"- **{p.id}** ({p.role}, {p.source}): **{combine(c.outcomes).value}** — {engines_text(c.outcomes)}.")
        form = PAPER_FORMS.get(p.id)
        if form is not None:
            out.append(f"  - The paper ({form.source}): " + " ".join(f"$${d}$$" for d in form.display))
        out.append("  - Checked: " + (md_statement(p.claim) if compact(p.claim) else md_obligations(p.claim)))
        if form is not None and form.encoding:
            out.append(f"  - Why every case: {form.encoding}")
        if p.note:
            out.append(f"  - {p.note[0].upper() + p.note[1:]}")
        for o in c.outcomes:
            if o.counterexample:
                out.append(f"  - Counterexample ({ENGINES.get(o.engine, o.engine)}, re-checked in exact rationals): "
                           f"{minus_signs(o.counterexample)}")
            if o.condition:
                out.append(f"  - Unstated condition {o.condition}: under it the statement "
                           + ("holds" if o.condition_holds else "still fails"))
            if o.error:
                out.append(f"  - Error: {o.error}")
    return "\n".join([*out, ""]) + "\n"


def machine_md(claim_id: str, checked: list[CheckedPart]) -> str:
    """The machine appendix in Markdown: every full formula and engine record."""
    out = [f"### {claim_id} (obligations)", ""]
    for c in checked:
        out.append(f"- **{c.part.id}**: **{combine(c.outcomes).value}**. " + md_statement(c.part.claim))
        out += [f"  - {ENGINES.get(o.engine, o.engine)} ({o.method}, {o.domain}): {'holds' if o.holds else 'fails'}"
                + (f"; counterexample {minus_signs(o.counterexample)}" if o.counterexample else "") for o in c.outcomes]
    return "\n".join([*out, ""]) + "\n"

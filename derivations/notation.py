"""The paper's notation: one table mapping the derivations' variable names to the symbols the paper prints, and the
paper's own form of the identities a reader needs to follow an argument (eq 20 with its case table, eq 10, …).

A code name is matched by the first pattern of SYMBOLS that fits it whole; `tex` and `text` are format strings over
the pattern's groups. A name no pattern fits is printed by SymPy (so a new variable still renders, and
tests/test_render.py lists the names every statement uses so that none falls through unnoticed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Symbol:
    """One row of the symbol table: a code-name pattern, its LaTeX and Unicode forms, and what it denotes."""

    pattern: str
    tex: str
    text: str
    meaning: str
    example: str = ""  # a code name the pattern matches, shown in the notation paragraph ("" for a plain name)


SYMBOLS: tuple[Symbol, ...] = (
    Symbol(r"epsilon", r"\epsilon", "ε", "fiber (logclip) budget, eq 12"),
    Symbol(r"C_\+", r"C^{+}", "C⁺", "positive-channel base budget, eq 8"),
    Symbol(r"C_-", r"C^{-}", "C⁻", "negative-channel base budget, eq 8"),
    Symbol(r"S_\+", r"\log s^{+}", "log s⁺", "positive channel aggregate of a trajectory, eq 9"),
    Symbol(r"S_-", r"\log s^{-}", "log s⁻", "negative channel aggregate of a trajectory, eq 9"),
    Symbol(r"R_\+", r"R^{+}", "R⁺", "Σ of [ℓ_t]₊ over the other tokens of the trajectory (eq 20's cells)"),
    Symbol(r"R_-", r"R^{-}", "R⁻", "Σ of [−ℓ_t]₊ over the other tokens of the trajectory (eq 20's cells)"),
    Symbol(r"a_([ij])", r"\lvert\ell_{{{0}}}\rvert", "|ℓ_{0}|", "magnitude of token {0}'s log-ratio (eq 20's cells)", "a_i"),
    Symbol(r"m", r"\bar{{\ell}}", "ℓ̄", "mean log-ratio of the trajectory, log s⁺ − log s⁻"),
    Symbol(r"A_inf", r"\|\hat{{A}}\|_{{\infty}}", "‖Â‖∞", "largest advantage magnitude, Thm D.3"),
    Symbol(r"A", r"\hat{{A}}", "Â", "an advantage estimate"),
    Symbol(r"A_([0-9]+|[a-z])", r"\hat{{A}}_{{{0}}}", "Â_{0}", "advantage estimate of sample {0}", "A_1"),
    Symbol(r"tstar", r"t^{{*}}", "t*", "step size of the TV-TRPO maximiser, Thm D.3"),
    Symbol(r"Dhat", r"\hat{{D}}_{{\mathrm{{TV}}}}", "D̂_TV", "sample TV estimate of a state, eq 39"),
    Symbol(r"C_(D|g)", r"C_{{{0}}}", "C_{0}", "budget of the {0} level of FiberPO-Domain (eq 31)", "C_D"),
    Symbol(r"C_tau", r"C_{{\tau}}", "C_τ", "budget of the trajectory level of FiberPO-Domain (eq 31)"),
    Symbol(r"C_s", r"C(\Delta)_{{s}}", "C(Δ)_s", "correction term of Lemma D.6"),
    Symbol(r"gamma", r"\gamma", "γ", "discount factor"),
    Symbol(r"delta", r"\delta", "δ", "trust-region radius"),
    Symbol(r"pp_(\d+)", r"p'_{{{0}}}", "p'_{0}", "π_old(a_{0} | s') at a second state s' (Lemma D.12)", "pp_1"),
    Symbol(r"rr_(\d+)", r"r'_{{{0}}}", "r'_{0}", "ratio π/π_old of a_{0} at the second state s' (Lemma D.12)", "rr_1"),
    Symbol(r"(Delta|u)(\d)(\d?)_(\d+)", r"{0}^{{({1}{2})}}_{{{3}}}", "{0}^({1}{2})_{3}",
           "value at sample {3} of a state whose action multiplicities are ({1}{2})", "Delta11_1"),
    Symbol(r"K(\d)_(\d)(\d)", r"K^{{({0})}}_{{{1}{2}}}", "K^({0})_{1}{2}", "entry of the Markov kernel K_{0} (eq 25)", "K2_31"),
    Symbol(r"(T|t|M)_([sDg])", r"{0}_{{{1}}}", "{0}_{1}", "samples of a state s (T_s), tokens of a domain D or group g", "T_s"),
    Symbol(r"(ell|x|T)_tau", r"{0}_{{\tau}}", "{0}_τ", "of the trajectory τ (its token, aggregate or length)", "T_tau"),
    Symbol(r"Sigma_([Dg])", r"\Sigma_{{{0}}}", "Σ_{0}", "sum of the trajectory aggregates over a domain D or group g (eq 33)", "Sigma_D"),
    Symbol(r"n_([Dg])", r"n_{{{0}}}", "n_{0}", "number of trajectories of a domain D or group g (eq 33)", "n_D"),
    Symbol(r"x_([+-])", r"x^{{{0}}}", "x^{0}", "a channel aggregate of sign {0}", "x_+"),
    Symbol(r"Dhat_(\d+)", r"\hat{{\Delta}}^{{*}}_{{{0}}}", "Δ̂*_{0}", "the unit-TV direction of eq 69 at action {0}", "Dhat_1"),
    Symbol(r"E_(\d+)", r"e_{{{0}}}", "e_{0}", "another feasible direction at action {0} (eq 70)", "E_1"),
    Symbol(r"M_(\d+)", r"M(s_{{{0}}})", "M(s_{0})", "the value M(s) of eq 69 at state s_{0}", "M_1"),
    Symbol(r"c_star", r"c^{{*}}", "c*", "the maximising radius of eq 71"),
    Symbol(r"ell", r"\ell", "ℓ", "a token's log-ratio log r"),
    Symbol(r"(ell|sigma|Delta|p|q|r|n|w|x|m|A|J|R)_([0-9]+|[a-z])", r"{0}_{{{1}}}", "{0}_{1}", "indexed {0}"),
)
_COMPILED = tuple((re.compile(s.pattern + r"\Z"), s) for s in SYMBOLS)
_STEMS = {"ell": ("\\ell", "ℓ"), "sigma": ("\\sigma", "σ"), "Delta": ("\\Delta", "Δ")}


def _lookup(name: str):
    for pattern, symbol in _COMPILED:
        match = pattern.match(name)
        if match:
            return symbol, match.groups()
    return None, ()


def table_rows() -> list[tuple[str, str, str]]:
    """(code name, LaTeX, meaning) of every named row of the table (the generic indexed names left out)."""
    rows = []
    for symbol in SYMBOLS:
        name = symbol.example or (symbol.pattern.replace("\\", "") if "(" not in symbol.pattern else "")
        if name:
            groups = _lookup(name)[1]
            rows.append((name, symbol_tex(name), symbol.meaning.format(*groups)))
    return rows


def symbol_tex(name: str) -> str | None:
    """The paper's LaTeX for a code name, or None when the table has no row for it."""
    symbol, groups = _lookup(name)
    if symbol is None:
        return None
    groups = [_STEMS.get(g, (g, g))[0] if g else g for g in groups]
    return symbol.tex.format(*groups) if groups else symbol.tex.replace("{{", "{").replace("}}", "}")


def symbol_text(name: str) -> str | None:
    """The paper's Unicode for a code name, or None when the table has no row for it."""
    symbol, groups = _lookup(name)
    if symbol is None:
        return None
    groups = [_STEMS.get(g, (g, g))[1] if g else g for g in groups]
    return symbol.text.format(*groups) if groups else symbol.text


@dataclass(frozen=True)
class PaperForm:
    """The paper's printed form of a result (LaTeX display lines, with its case table) and, where the check encodes
    it differently, one sentence saying how the check covers the whole domain."""

    source: str
    display: tuple[str, ...]
    encoding: str = ""


PAPER_FORMS: dict[str, PaperForm] = {
    "FPO-2/eq20": PaperForm(
        "Prop 5.2, eq 20",
        (r"\mathfrak{J}(\mathcal{G})_{ij} = \tfrac{\mathcal{G}(r_\bullet)_i}{r_j}\,\mathbb{I}_{\tau_i=\tau_j}"
         r"\bigl[\,\text{(a)} + \text{(b)}\,\bigr],",
         r"\text{(a) local: } \mathbb{I}_{|u_i|\le\epsilon}\,\mathbb{I}_{i=j},",
         r"\text{(b) coupling: } \tfrac{1}{T_\tau}\bigl(\gamma^{(l_j)}_\tau"
         r" - \mathbb{I}_{|u_i|\le\epsilon}\,\mathbb{I}_{l_i=l_j}",
         r"\qquad - \mathbb{I}_{|v_i|\le\epsilon}\,(1-\mathbb{I}_{l_i=l_j})\bigr),",
         r"u_i = l_i\log r_i - \log s^{(l_i)}_\tau,\qquad v_i = -\log s^{(-l_i)}_\tau,",
         r"\gamma^{(l)}_\tau = (g^{\mathrm{agg}})'(\log s^{(l)}_\tau)",
         r"= \begin{cases}"
         r"1 & |\log s^{(l)}_\tau| \le C^{(l)}\\"
         r"-T_\tau & C^{(l)} < |\log s^{(l)}_\tau| < (1+T_\tau^{-1})C^{(l)}\\"
         r"0 & \text{otherwise}\end{cases}"),
        "The three rows of the case table are eq 10's pass-through, rollback and zeroed regimes. "
        "Each cell fixes the sign pair $(l_i, l_j)$, whether $i = j$, the regime of each channel and whether the clips "
        "of $u_i$, $v_i$ are free or saturated; there every gate is one branch of eq 10 or of clip, and "
        r"$\log s^{\pm} = (\text{own token} + R^{\pm})/T$ with $R^{\pm}\ge 0$ the rest of the trajectory, so the "
        "derivative is a polynomial identity in a symbolic $T$ (hence every $T$). By the chain rule "
        r"$\partial G/\partial r = (G/r)\,\partial\log G/\partial\log r$ it is eq 20's bracket."),
    "FPO-1/eq16": PaperForm(
        "eqs 14-16",
        (r"\log\tilde r_i = \operatorname{clip}(l_i u_i, \pm\epsilon) - \operatorname{clip}(l_i v_i, \pm\epsilon),",
         r"u_i = l_i\ell_i - \log s^{(l_i)},\quad v_i = -\log s^{(-l_i)}"),
        r"A token's gate depends on the others only through $\log s^{+}$, $\log s^{-}$, so the statement over "
        r"$(\ell_i, \log s^{+}, \log s^{-})$ holds for every $T$."),
    "FPO-6/continuity": PaperForm(
        "eq 10",
        (r"g_{\mathrm{agg}}(x, C, T)",
         r"= \begin{cases} x & |x| \le C \\ \operatorname{sign}(x)(T+1)C - Tx & "
         r"C < |x| < (1+T^{-1})C \\ 0 & \text{otherwise}\end{cases}")),
    "TRPO-2/maximizer": PaperForm(
        "Thm D.3",
        (r"\Delta^* = t^*\hat\Delta^*,\qquad t^* = \frac{(1-\gamma)M}{8\gamma\|\hat A\|_\infty}",)),
    "TRPO-1/radius": PaperForm("Thm 2.1", (r"\delta_{\mathrm{TRPO}} = \frac{1-\gamma}{8\gamma}"
                                                   r"\xrightarrow[\gamma\to 1]{} 0",)),
    "APC-2/clip-bound": PaperForm(
        "proof of Thm D.10",
        (r"T_s\delta - \sum_{a'}(n_{s,a'} - \delta_{aa'})|\Delta_{a'}|",
         r"= T_s\bigl(\delta - \hat D_{\mathrm{TV}}(s)\bigr) + |\Delta_a|")),
    "FPO-4/identity-ball": PaperForm(
        "Prop 5.4",
        (r"\|\ell\|_\infty \le \rho = \min\Bigl(C^{+}, C^{-}, \frac{\epsilon T}{T-1}\Bigr)",
         r"\Longrightarrow\; \mathcal{G}(r) = r, \qquad \mathfrak{J}(\mathcal{G})\big|_{r\equiv 1} = I")),
    "FPO-8/expansion": PaperForm("Sec. 5.2", (r"e^{\pm\epsilon} = 1 \pm \epsilon + \tfrac{\epsilon^2}{2} + "
                                          r"O(\epsilon^3)",)),
}

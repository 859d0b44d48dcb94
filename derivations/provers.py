"""The two provers of a Statement (SymPy and z3), their agreement, and counterexamples checked in exact rationals.

`check_part(part)` proves a Part's claim with every engine that applies: z3 (linear real arithmetic; the gates are
piecewise linear) on each T ≤ t_max of a Family and on its symbolic form where it manages, SymPy where
simplification decides the formula. When both decide the same statement they must agree, else
ProverDisagreement stops the build. A z3 model is minimised (smallest T first, then smallest common denominator,
then smallest numerators) and re-evaluated by `evaluate_exact`, an exact-rational evaluator that shares no code with
either prover, before it is reported. The result is a CheckedPart: the Part with its verdict-engine Outcomes.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction
from functools import reduce

import sympy as sp
import z3

from fiberpo_check.vocabulary.verdicts import Outcome, SubStatement

from .formula import Family, Part, Search, Statement, domain_of, unfold
from .plain import plain, plain_formula, plain_hypotheses

Z3_TIMEOUT_MS = 20_000


class Found(str, Enum):
    """What one prover found on one statement (not a status: `outcome_of` turns findings into Outcomes)."""

    PROVED = "proved"
    DISPROVED = "disproved"
    COUNTEREXAMPLE = "counterexample"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "n/a"


class DerivationError(RuntimeError):
    """Our own machinery broke (a support step failed, a counterexample did not re-evaluate): the build fails."""


class ProverDisagreement(DerivationError):
    """SymPy and z3 decided the same statement differently."""


class NotInLogic(ValueError):
    """The formula uses something outside the prover's logic (exp, log, an undefined function, a limit)."""


# ---------------------------------------------------------------- the independent exact evaluator


def evaluate_exact(expr, point: dict):
    """The value of an (unfolded) SymPy expression or formula at exact rationals, by direct recursion."""
    ev = lambda e: evaluate_exact(e, point)  # noqa: E731
    if isinstance(expr, sp.Symbol):
        return point[expr]
    if isinstance(expr, (sp.Integer, sp.Rational)):
        return Fraction(int(expr.p), int(expr.q))
    if expr is sp.true or expr is sp.false:
        return bool(expr)
    head, args = type(expr), expr.args
    if head is sp.Add:
        return sum((ev(a) for a in args), Fraction(0))
    if head is sp.Mul:
        return reduce(operator.mul, (ev(a) for a in args), Fraction(1))
    if head is sp.Pow and args[1].is_Integer:
        return ev(args[0]) ** int(args[1])
    if head is sp.Min:
        return min(ev(a) for a in args)
    if head is sp.Max:
        return max(ev(a) for a in args)
    if head is sp.Abs:
        return abs(ev(args[0]))
    if head is sp.Piecewise:
        return next(ev(value) for value, cond in args if ev(cond))
    relations = {sp.Eq: operator.eq, sp.Ne: operator.ne, sp.Lt: operator.lt, sp.Le: operator.le,
                 sp.Gt: operator.gt, sp.Ge: operator.ge}
    if head in relations:
        return relations[head](ev(args[0]), ev(args[1]))
    if head is sp.And:
        return all(ev(a) for a in args)
    if head is sp.Or:
        return any(ev(a) for a in args)
    if head is sp.Not:
        return not ev(args[0])
    if head is sp.Implies:
        return (not ev(args[0])) or ev(args[1])
    if head is sp.ITE:
        return ev(args[1]) if ev(args[0]) else ev(args[2])
    raise NotInLogic(f"evaluate: no exact rule for {head.__name__}")


def in_domain(symbol: sp.Symbol, value: Fraction) -> bool:
    """value lies in the domain declared for symbol."""
    return {"real": True, "positive": value > 0, "nonnegative": value >= 0, "nonzero": value != 0,
            "positive integer": value >= 1 and value.denominator == 1}[domain_of(symbol)]


def is_counterexample(statement: Statement, point: dict) -> bool:
    """Every variable in its domain, every hypothesis true, the conclusion false: exactly."""
    return (all(in_domain(s, point[s]) for s in statement.variables)
            and all(evaluate_exact(unfold(h), point) for h in statement.hypotheses)
            and not evaluate_exact(unfold(statement.conclusion), point))


# ---------------------------------------------------------------- z3


def to_z3(expr, env: dict):
    """Translate an unfolded SymPy formula into z3 (raises NotInLogic outside arithmetic with min/max/abs/cases)."""
    tr = lambda e: to_z3(e, env)  # noqa: E731
    if isinstance(expr, sp.Symbol):
        return env[expr]
    if isinstance(expr, (sp.Integer, sp.Rational)):
        return z3.RealVal(f"{expr.p}/{expr.q}")
    if expr is sp.true or expr is sp.false:
        return z3.BoolVal(bool(expr))
    head, args = type(expr), expr.args
    if head is sp.Add:
        return z3.Sum(*map(tr, args))
    if head is sp.Mul:
        return reduce(operator.mul, map(tr, args))
    if head is sp.Pow and args[1].is_Integer:
        base, n = tr(args[0]), int(args[1])
        power = reduce(operator.mul, [base] * abs(n)) if n else z3.RealVal(1)
        if n < 0 and power.is_int():  # 1/T for an integer T is a real number, not integer division
            power = z3.ToReal(power)
        return z3.RealVal(1) / power if n < 0 else power
    if head in (sp.Min, sp.Max):
        pick = operator.le if head is sp.Min else operator.ge
        return reduce(lambda a, b: z3.If(pick(a, b), a, b), map(tr, args))
    if head is sp.Abs:
        x = tr(args[0])
        return z3.If(x >= 0, x, -x)
    if head is sp.Piecewise:
        out = tr(args[-1][0])
        for value, cond in reversed(args[:-1]):
            out = z3.If(tr(cond), tr(value), out)
        return out
    relations = {sp.Eq: operator.eq, sp.Ne: operator.ne, sp.Lt: operator.lt, sp.Le: operator.le,
                 sp.Gt: operator.gt, sp.Ge: operator.ge}
    if head in relations:
        return relations[head](tr(args[0]), tr(args[1]))
    logic = {sp.And: z3.And, sp.Or: z3.Or, sp.Not: z3.Not, sp.Implies: z3.Implies, sp.ITE: z3.If}
    if head in logic:
        return logic[head](*map(tr, args))
    raise NotInLogic(f"z3: no translation for {head.__name__}")


def z3_problem(statement: Statement) -> tuple[list, dict]:
    """(constraints whose models are counterexamples, variable map): domains ∧ hypotheses ∧ ¬conclusion."""
    env = {s: (z3.Int if s.is_integer else z3.Real)(s.name) for s in statement.variables}
    constraints = []
    for s, x in env.items():
        domain = domain_of(s)
        constraints += {"real": [], "positive": [x > 0], "nonnegative": [x >= 0], "nonzero": [x != 0],
                        "positive integer": [x >= 1]}[domain]
    constraints += [to_z3(unfold(h), env) for h in statement.hypotheses]
    constraints.append(z3.Not(to_z3(unfold(statement.conclusion), env)))
    return constraints, env


def z3_solve(constraints, timeout_ms: int = Z3_TIMEOUT_MS):
    """(z3 result, model or None)."""
    ctx = z3.Context()  # a fresh context: the search does not depend on what this process solved before
    solver = z3.Then("simplify", "elim-term-ite", "solve-eqs", "smt", ctx=ctx).solver()  # case splits as LRA atoms
    solver.set("timeout", timeout_ms)
    solver.add(*[c.translate(ctx) for c in constraints])
    result = solver.check()
    return result, (solver.model() if result == z3.sat else None)


def model_point(model, env: dict) -> dict:
    """Exact rationals of a z3 model (variables the model leaves free take 1, a value in every domain)."""
    point = {}
    for s, x in env.items():
        value = model.eval(x.translate(model.ctx), model_completion=True)
        point[s] = Fraction(value.as_long()) if s.is_integer else Fraction(value.numerator_as_long(),
                                                                          value.denominator_as_long())
    return point


def minimise(constraints, env: dict, point: dict, max_denominator: int = 12) -> dict:
    """The counterexample with the smallest common denominator (up to max_denominator), then the smallest numerators
    (sum of magnitudes, ties broken lexicographically in variable-name order, non-negative first), so the point does
    not depend on the solver's history; the unminimised point when neither step answers within its time limit."""
    reals = [s for s in env if not s.is_integer]
    for den in range(1, max_denominator + 1):
        numerators = {s: z3.Int(f"num_{s.name}") for s in reals}
        scaled = [env[s] * den == z3.ToReal(numerators[s]) for s in reals]
        result, model = z3_solve([*constraints, *scaled], timeout_ms=1_000)
        if result != z3.sat:
            continue
        ctx = z3.Context()
        opt = z3.Optimize(ctx=ctx)
        opt.set("timeout", 5_000)
        opt.add(*[c.translate(ctx) for c in (*constraints, *scaled)])
        numerators = {s: n.translate(ctx) for s, n in numerators.items()}
        magnitude = {s: z3.If(n >= 0, n, -n) for s, n in numerators.items()}
        opt.minimize(z3.Sum(*magnitude.values()) if numerators else z3.IntVal(0))
        for s in sorted(numerators, key=lambda s: s.name):  # ties broken in name order: smaller |value|, then >= 0
            opt.minimize(magnitude[s])
            opt.maximize(numerators[s])
        return model_point(opt.model() if opt.check() == z3.sat else model, env)
    return point


def fmt_point(point: dict) -> str:
    """'ℓ_1 = -2, ε = 1': the variables as the text prints them, in name order."""

    return ", ".join(f"{plain_formula(s)} = {point[s]}" for s in sorted(point, key=lambda s: s.name))


def z3_decide(statement: Statement, timeout_ms: int = Z3_TIMEOUT_MS, minimal: bool = True):
    """(PROVED, None) | (COUNTEREXAMPLE, exact point, minimised when `minimal`) | (UNKNOWN, None); raises
    NotInLogic."""
    if "z3" not in statement.engines:
        raise NotInLogic("z3: not among the statement's engines")
    constraints, env = z3_problem(statement)
    result, model = z3_solve(constraints, timeout_ms)
    if result == z3.unsat:
        return Found.PROVED, None
    if result != z3.sat:
        return Found.UNKNOWN, None
    point = minimise(constraints, env, model_point(model, env)) if minimal else model_point(model, env)
    if not is_counterexample(statement, point):
        raise DerivationError(f"z3 counterexample {fmt_point(point)} does not re-evaluate as one in exact rationals")
    return Found.COUNTEREXAMPLE, point


# ---------------------------------------------------------------- SymPy


SIGNS = {sp.Gt: ("is_positive", 1), sp.Ge: ("is_nonnegative", 1), sp.Lt: ("is_positive", -1),
         sp.Le: ("is_nonnegative", -1)}  # an inequality holds when this property of ±(lhs − rhs) is True


def sympy_decide(statement: Statement) -> str:
    """PROVED | DISPROVED | UNKNOWN | NOT_APPLICABLE: SymPy decides an equation (or a conjunction of equations) by
    simplifying lhs − rhs under the variables' assumptions and the hypotheses; anything else is 'n/a'."""
    conclusion = statement.conclusion
    equations = conclusion.args if isinstance(conclusion, sp.And) else (conclusion,)
    signs = tuple(SIGNS) if not statement.variables else (sp.Gt,)  # ground inequalities are decided exactly
    if "sympy" not in statement.engines or not all(isinstance(e, (sp.Eq, *signs)) for e in equations):
        return Found.NOT_APPLICABLE
    assumptions = sp.And(*statement.hypotheses)
    if assumptions is not sp.true and unfold(assumptions).has(sp.Piecewise, sp.Min, sp.Max):
        return Found.NOT_APPLICABLE  # refine() does not decide case splits under hypotheses; z3 does
    verdicts = set()
    for eq in equations:
        gap = sp.simplify(unfold(eq.lhs - eq.rhs).doit())
        if isinstance(gap, sp.MatrixExpr):  # products of matrices distribute only when expanded
            gap = sp.simplify(gap.expand().doit())
        if gap.has(sp.Sum):  # Σ_i f(i) and Σ_j f(j) are one sum: rename every summation index alike, then sum again
            gap = sp.simplify(canonical_sums(gap).doit())
        if assumptions is not sp.true:
            gap = sp.simplify(sp.refine(gap, assumptions))
        if isinstance(eq, tuple(SIGNS)):
            verdicts.add({True: Found.PROVED, False: Found.DISPROVED}.get(getattr(SIGNS[type(eq)][1] * gap,
                                                                          SIGNS[type(eq)][0]), Found.UNKNOWN))
            continue
        nonzero_polynomial = (not statement.hypotheses and gap.is_polynomial(*statement.variables)
                              and sp.expand(gap) != 0)  # a nonzero polynomial is not identically zero
        if gap == 0 or getattr(gap, "is_ZeroMatrix", False):
            verdicts.add(Found.PROVED)
        else:
            verdicts.add(Found.DISPROVED if gap.is_zero is False or nonzero_polynomial else Found.UNKNOWN)
    return next((f for f in (Found.DISPROVED, Found.UNKNOWN) if f in verdicts), Found.PROVED)


def canonical_sums(expr):
    """expr with the index of every single-index Sum renamed to one symbol (bound, so the meaning is unchanged)."""
    def rename(total):
        (old, low, high), = total.limits
        new = sp.Symbol("k_sum", integer=True, positive=True)
        return sp.Sum(total.function.subs(old, new), (new, low, high))
    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, rename)


def sympy_witness(statement: Statement) -> str:
    """The exact sides of the relations SymPy disproved, at the first point 1, 2, 3 (every variable alike) where the
    hypotheses hold and the conclusion fails in exact SymPy arithmetic (no point needed when there are no variables)."""
    relations = statement.conclusion.args if isinstance(statement.conclusion, sp.And) else (statement.conclusion,)
    for value in (1, 2, 3):
        point = {s: sp.Integer(value) for s in statement.variables}
        at = lambda e: sp.simplify(unfold(e).subs(point).doit())  # noqa: E731
        if not all(at(h) is sp.true for h in statement.hypotheses):
            continue
        sides = [(at(r.lhs), r, at(r.rhs)) for r in relations]
        failing = [f"{lhs} {'≠' if isinstance(r, sp.Eq) else 'violates ' + r.rel_op} {rhs}" for lhs, r, rhs in sides
                   if type(r)(lhs, rhs) is not sp.true]
        if failing:
            return (f"every variable = {value}: " if point else "") + "; ".join(failing)
    raise DerivationError(f"SymPy disproves {statement.conclusion} but gives no exact point; state it for z3")


# ---------------------------------------------------------------- families, agreement, outcomes


STATED = "the stated domain (no size parameter)"


@dataclass
class Decision:
    """What the engines found on one claim: per engine, the domain decided and the result."""

    proved: dict  # engine -> domain text where it proved the statement
    counterexample: tuple | None  # (T or None, exact point, engine)
    unknown: list  # (engine, domain) left undecided
    bound: str = ""  # the instances' bound, when the proof does not cover the whole domain
    abstraction: str = ""  # why a parametric encoding did not prove the whole domain


def decide_statement(statement: Statement, timeout_ms: int = Z3_TIMEOUT_MS, minimal: bool = True) -> tuple:
    """(engines that proved it, (counterexample text, engine) or None, engines left undecided): z3 and SymPy on one
    statement, which must agree; a z3 counterexample is re-evaluated exactly (and minimised when `minimal`)."""
    collapsed = statement.collapsed()
    if collapsed:
        raise DerivationError(f"statement collapsed to a constant before any prover ran: {'; '.join(collapsed)}")
    proved, unknown, counter = set(), [], None
    try:
        result, point = z3_decide(statement, timeout_ms, minimal)
        if result == Found.PROVED:
            proved.add("z3")
        elif result == Found.COUNTEREXAMPLE:
            counter = (fmt_point(point) or sympy_witness(statement), "z3")
        else:
            unknown.append("z3")
    except NotInLogic:
        pass
    sympy_result = sympy_decide(statement)
    if sympy_result == Found.PROVED:
        if counter is not None:
            raise ProverDisagreement(f"SymPy proves {statement.conclusion} but z3 has the counterexample {counter[0]}")
        proved.add("sympy")
    elif sympy_result == Found.DISPROVED:
        if "z3" in proved:
            raise ProverDisagreement(f"SymPy disproves {statement.conclusion} which z3 proves")
        counter = counter or (sympy_witness(statement), "SymPy")
    elif sympy_result == Found.UNKNOWN:
        unknown.append("sympy")
    return proved, counter, unknown


def instances(claim: Statement | Family) -> list[tuple[int | None, Statement]]:
    """(T, statement) for each member of a family; (None, statement) for a single statement."""
    if isinstance(claim, Statement):
        return [(None, claim)]
    return [(t, claim.build(t)) for t in range(claim.t_min, claim.t_max + 1)]


def t_domain(claim: Family) -> str:
    """'T ≤ 64', '2 ≤ T ≤ 64', or the family's own name for its instances: the bound of a bounded check."""
    i = claim.index
    return claim.instances or (f"{i} ≤ {claim.t_max}" if claim.t_min == 1 else f"{claim.t_min} ≤ {i} ≤ {claim.t_max}")


def decide_lemmas(lemmas: tuple) -> tuple[set, str]:
    """(engines that proved every lemma, '' or why the encoding did not prove): a lemma's counterexample lives in
    the abstraction (free aggregates), so it is never reported as a counterexample to the paper's statement."""
    engines = set()
    for n, lemma in enumerate(lemmas, start=1):
        proved, counter, unknown = decide_statement(lemma, timeout_ms=10_000, minimal=False)
        if counter is not None:
            return set(), f"lemma {n} fails in the abstraction at {counter[0]} (not an instance of the statement)"
        if not proved:
            return set(), f"lemma {n} undecided ({', '.join(unknown) or 'no engine applies'})"
        engines |= proved
    return engines, ""


def decide_claim(claim: Statement | Family) -> Decision:
    """Run z3 and SymPy on the claim, require agreement, and report the smallest counterexample. A family is checked
    on its instances (each can refute) and, by its parametric encoding, for every T; a proved encoding with a failing
    instance means the encoding is unsound, and stops the build."""
    if isinstance(claim, Statement):
        proved, counter, unknown = decide_statement(claim)
        return Decision({e: STATED for e in proved}, (None, *counter) if counter else None,
                        [(e, STATED) for e in unknown])
    checked, counter, unknown = set(), None, []
    for t, statement in instances(claim):
        proved, found, undecided = (decide_statement(statement) if "z3" not in statement.engines
                                    else _z3_only(statement))
        if found is not None:
            counter = (t, *found)
            break
        if not proved:
            unknown = [(e, f"{claim.index} = {t}") for e in undecided] or [("none", f"{claim.index} = {t}")]
            break
        checked |= proved
    engines, why = decide_lemmas(claim.lemmas) if claim.lemmas else (set(), "no parametric encoding")
    if engines and counter is not None:
        raise DerivationError(f"the parametric encoding ({claim.symbolic_domain}) is proved but {claim.index} = "
                              f"{counter[0]} is a counterexample: the encoding is unsound")
    bounded = t_domain(claim)
    cross = (f" (cross-check on the instances: {claim.instances or 'every ' + bounded})"
             if counter is None and not unknown else "")
    if engines:
        return Decision({e: f"every {claim.index}: {claim.symbolic_domain}{cross}" for e in engines}, None, [])
    if counter is not None or unknown:
        return Decision({}, counter, unknown, abstraction=why)
    return Decision({e: claim.instances or f"every {bounded}" for e in checked}, None, [], bound=bounded,
                    abstraction=why)


def _z3_only(statement: Statement) -> tuple:
    """decide_statement with z3 alone (an instance of a family: SymPy decides the family's lemmas instead)."""
    if statement.collapsed():
        raise DerivationError(f"statement collapsed to a constant before any prover ran: {statement.collapsed()}")
    try:
        result, point = z3_decide(statement)
    except NotInLogic:
        return decide_statement(statement)
    if result == Found.PROVED:
        return {"z3"}, None, []
    if result == Found.COUNTEREXAMPLE:
        return set(), (fmt_point(point) or sympy_witness(statement), "z3"), []
    return set(), None, ["z3"]


def proof_domain(decision: Decision) -> str:
    """'SymPy, all T; z3, all T ≤ 64' when both engines proved, else the one engine's domain."""
    names = {"z3": "z3", "sympy": "SymPy"}
    if len(set(decision.proved.values())) == 1:
        return next(iter(decision.proved.values()))
    return "; ".join(f"{names[e]}, {d}" for e, d in sorted(decision.proved.items()))


def counterexample_text(decision: Decision, index: str = "T") -> str:
    """The minimised exact counterexample, with its T (or the family's other index)."""
    t, point, engine = decision.counterexample
    checked = "re-evaluated exactly" if engine == "z3" else "exact closed form"
    return (f"{index} = {t}: " if t is not None else "") + point + f" (found by {engine}, {checked})"


def outcome_of(claim, condition=()) -> tuple[Outcome, Decision]:
    """The Outcome of one claim (proved / counterexample, and the condition checked when it fails)."""
    if isinstance(claim, Search):
        outcome = searched(claim)
        if outcome.holds or not isinstance(condition, Search):
            return outcome, None
        return replace(outcome, condition=condition.family, condition_holds=searched(condition).holds), None
    decision = decide_claim(claim)
    notes = {"parametric encoding": decision.abstraction} if decision.bound and decision.abstraction else {}
    if decision.proved and decision.counterexample is None:
        return Outcome("proof", "+".join(sorted(decision.proved)), proof_domain(decision), True,
                       error=_error(claim), bound=decision.bound, measurements=notes), decision
    if decision.counterexample is None:
        undecided = ", ".join(f"{e} ({d})" for e, d in decision.unknown) or "no engine applies"
        raise DerivationError(f"undecided: {undecided}")
    engine = "sympy" if decision.counterexample[2] == "SymPy" else "z3"
    domain = (claim.instances or f"every {t_domain(claim)}") if isinstance(claim, Family) else STATED
    index = claim.index if isinstance(claim, Family) else "T"
    outcome = Outcome("proof", engine, domain, False, counterexample=counterexample_text(decision, index))
    if condition:
        conditioned = _with_condition(claim, condition)
        held, _ = outcome_of(conditioned)

        outcome = Outcome("proof", engine, domain, False, counterexample=outcome.counterexample,
                          condition=plain_hypotheses(condition, claim), condition_holds=held.holds)
    return outcome, decision


def _error(claim) -> str:
    """The stated error order of an approximate statement."""
    return (claim.lemmas or (claim.build(claim.t_min),))[0].error if isinstance(claim, Family) else claim.error


def _with_condition(claim, condition):
    """The claim with extra hypotheses (condition: statements' hypotheses, or a function T -> hypotheses); a family
    keeps only its instances (its encoding was written for the unconditioned statement)."""
    if isinstance(claim, Family):
        return Family(lambda t: claim.build(t).assuming(condition(t)), claim.t_max, claim.t_min, None, claim.shown,
                      index=claim.index, instances=claim.instances)
    if callable(condition):
        raise ValueError("condition: a function of T only goes with a Family")
    return claim.assuming(condition)


def exhaustive(search: Search) -> Outcome:
    """Check the predicate on every case in exact arithmetic: 'verified-exhaustively' or the first counterexample."""
    for n, case in enumerate(search.cases, start=1):
        if not search.predicate(*case):
            shown = ", ".join(str(c) if not isinstance(c, tuple) else "(" + ", ".join(map(str, c)) + ")" for c in case)
            extra = f": {search.describe(*case)}" if search.describe else ""
            return Outcome("exhaustive", "exact-rationals", search.family, False, counterexample=f"({shown}){extra}",
                           measurements={"cases checked": n})
    return Outcome("exhaustive", "exact-rationals", search.family, True, measurements={"cases": len(search.cases)})


def searched(search: Search) -> Outcome:
    """The exhaustive check (which alone can refute) and, when it holds, the search's parametric encoding: proved for
    the whole domain when every lemma is, else verified-exhaustively on the family."""
    found = exhaustive(search)
    if not search.lemmas:
        return found
    engines, why = decide_lemmas(search.lemmas)
    if engines and not found.holds:
        raise DerivationError(f"the parametric encoding ({search.symbolic_domain}) is proved but the exact check "
                              f"fails at {found.counterexample}: the encoding is unsound")
    if not engines or not found.holds:
        return replace(found, measurements={**found.measurements, "parametric encoding": why}) if why else found
    return Outcome("proof", "+".join(sorted(engines)), f"{search.symbolic_domain} (cross-check: exact rationals on "
                   f"every case of {search.family}, {len(search.cases)} cases)", True)


@dataclass
class CheckedPart:
    """A Part with the outcomes its claim and cross-checks reached (support steps have all been proved)."""

    part: Part
    outcomes: tuple

    def substatement(self) -> SubStatement:
        """The verdict engine's record of this sub-statement (text rendered from the claim's formula)."""

        return SubStatement(self.part.id, plain(self.part.claim), self.part.source, self.outcomes, self.part.role)


def check_part(part: Part) -> CheckedPart:
    """Prove the part's support steps (each must hold), then decide its claim and cross-checks."""
    try:
        return _check_part(part)
    except DerivationError as error:
        raise DerivationError(f"{part.id}: {error}") from error


def _check_part(part: Part) -> CheckedPart:
    """check_part without the part's name on errors."""
    bounds = []
    for step in part.support:
        held, _ = outcome_of(step)
        if not held.holds:
            raise DerivationError(f"{part.id}: supporting step failed: {held.counterexample}")
        bounds += [held.bound] if held.bound else []
    main, _ = outcome_of(part.claim, part.condition)
    if main.holds and main.method == "proof" and bounds and not main.bound:  # no better than its supporting steps
        main = replace(main, bound="; ".join(f"supporting step on {b}" for b in bounds))
    if not main.holds and (part.conflict or part.intended is not None):
        intended = outcome_of(part.intended)[0] if part.intended is not None else None
        main = replace(main, conflict=part.conflict, intended=intended)
    return CheckedPart(part, (main, *(outcome_of(c)[0] for c in part.crosschecks)))


def substatements(parts: list[Part]) -> list[SubStatement]:
    """SubStatements of a claim's parts (what a registered check returns)."""
    return [check_part(p).substatement() for p in parts]

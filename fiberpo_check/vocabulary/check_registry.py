"""Checks: one per (claim id, producer, name), with the negative controls it must fail. A producer marks its check
functions with `register` and lists its modules; `collect` gathers the checks of a list of modules.

A check is a function returning the claim's SubStatements (with their outcomes); called with no argument it runs a
small preset (the tests do that), and producers may pass their own sizes. Its controls are zero-argument functions
that run the same check on mutated ingredients (a wrong slope, a dropped term, a synthetic result that contradicts
the claim) and return SubStatements too; the test suite runs every control and requires it to reach a negative
status, so no registered check can be unable to fail. A check whose real outcome is already negative (it refutes
the paper) also names `positives`: the same check on ingredients where the statement holds (a weaker share, a
correct constant), which must reach a positive status, so the check is shown able to pass as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from fiberpo_check.vocabulary.verdicts import SubStatement, Verdict, make_verdict

CheckFn = Callable[..., list[SubStatement]]


@dataclass(frozen=True)
class Check:
    """A registered check of one claim by one producer."""

    claim_id: str
    producer: str
    name: str
    run: CheckFn
    controls: dict[str, Callable[[], list[SubStatement]]] = field(default_factory=dict)
    positives: dict[str, Callable[[], list[SubStatement]]] = field(default_factory=dict)


def register(claim_id: str, producer: str, name: str | None = None, controls: dict | None = None,
             positives: dict | None = None):
    """Decorator: mark `fn` as the check `name` (default: the function's name) of claim_id by producer. Nothing global
    changes: a producer lists its modules and `collect` gathers the checks they mark."""

    def wrap(fn: CheckFn) -> CheckFn:
        marked = Check(claim_id, producer, name or fn.__name__, fn, dict(controls or {}), dict(positives or {}))
        fn.checks = (*getattr(fn, "checks", ()), marked)
        return fn

    return wrap


def marked_functions(modules, attribute: str) -> list:
    """The functions defined in the listed modules that carry `attribute` (the mark a decorator leaves: a check, a
    derivation, an audit check, a figure), in module then definition order."""
    return [fn for module in modules for fn in vars(module).values()
            if callable(fn) and getattr(fn, "__module__", None) == module.__name__ and hasattr(fn, attribute)]


def collect(modules) -> list[Check]:
    """The checks marked on the listed modules' functions, in module then definition order; a (claim, producer,
    name) listed twice raises."""
    found = [c for fn in marked_functions(modules, "checks") for c in fn.checks]
    keys = [(c.claim_id, c.producer, c.name) for c in found]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"checks {twice} are listed twice")
    return found


def select(found: list[Check], producer: str | None = None, claim_id: str | None = None) -> list[Check]:
    """The checks of `found` by producer and/or claim id, in a fixed order."""
    return sorted((c for c in found if (producer is None or c.producer == producer)
                   and (claim_id is None or c.claim_id == claim_id)), key=lambda c: (c.claim_id, c.producer, c.name))


def pooled(substatements) -> list[SubStatement]:
    """Sub-statements with the same id merged into one (outcomes concatenated), in first-seen order."""
    merged: dict[str, SubStatement] = {}
    for sub in substatements:
        known = merged.get(sub.id)
        merged[sub.id] = sub if known is None else SubStatement(known.id, known.text, known.source,
                                                                 known.outcomes + sub.outcomes, known.role)
    return list(merged.values())


def evidence_text(ran: list[str], substatements: list[SubStatement]) -> str:
    """A verdict's evidence line, rendered from what ran and the sub-statements' statuses and engines."""
    return f"checks {', '.join(ran)}: " + "; ".join(
        f"{s.id} {s.status.value} ({', '.join(sorted({o.engine for o in s.outcomes}))})" for s in substatements)


def run_checks(selected: list[Check], say=print, sinks: dict | None = None, **kwargs) -> list[Verdict]:
    """Run checks (keyword arguments passed to each) and return one Verdict per claim, sub-statements pooled by id.

    With `sinks`, each check also gets `sink=sinks["<claim>_<name>"]`, a dict it fills with its raw measurements."""
    by_claim: dict[str, list[tuple[Check, list[SubStatement]]]] = {}
    for check in selected:
        say(f"{check.claim_id}: {check.name}")
        extra = {} if sinks is None else {"sink": sinks.setdefault(f"{check.claim_id}_{check.name}", {})}
        by_claim.setdefault(check.claim_id, []).append((check, check.run(**kwargs, **extra)))
    verdicts = []
    for claim_id, results in by_claim.items():
        subs = pooled(s for _, found in results for s in found)
        verdicts.append(make_verdict(claim_id, results[0][0].producer, subs,
                                     evidence_text([c.name for c, _ in results], subs)))
    return verdicts

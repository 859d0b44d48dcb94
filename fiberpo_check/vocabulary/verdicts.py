"""Verdicts: the status vocabulary (docs/verdicts.md), what a check found, and the one rule that turns findings into a status.

A check never chooses a status. It reports an `Outcome` per sub-statement of a claim: which engine looked, on
which domain, whether the stated formula held there (computed by the prover or from a measurement against its
bound), and what it found beside (an exact counterexample, a condition under which the statement holds, a
quantified error, two conflicting definitions, the intended reading of a typo, a statistical contrast). `decide`
turns one outcome into a status; `combine` merges the outcomes of one sub-statement; `row_status` gives a claim's
row status from its sub-statements.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

from fiberpo_check import paths



class Status(str, Enum):
    """Every status a verdict can take, declared worst first: declaration order is the severity order."""

    REFUTED = "refuted"
    INCONSISTENT = "inconsistent"
    HOLDS_WITH_CONDITIONS = "holds-with-conditions"
    APPROXIMATE = "approximate"
    TYPO = "typo"
    OPPOSITE_TENDENCY = "opposite-tendency-in-miniature"
    NOT_REPRODUCED = "not-reproduced-in-miniature"
    NOT_SUPPORTED = "not-supported-under-metric"
    INCONCLUSIVE = "inconclusive-in-miniature"  # a run that decides nothing (its reason is in the evidence)
    NOT_YET_CHECKED = "not-yet-checked"
    SUPPORTED = "supported-under-metric"
    REPRODUCED = "reproduced-in-miniature"
    VERIFIED_BOUNDED = "verified-bounded"
    VERIFIED_EXHAUSTIVELY = "verified-exhaustively"
    PROVED = "proved"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def severity(self) -> int:
        """0 for the worst status; larger is better."""
        return list(Status).index(self)

    @property
    def positive(self) -> bool:
        """The statement was shown to hold (in the sense of the status word)."""
        return self in POSITIVE


POSITIVE = frozenset({Status.SUPPORTED, Status.REPRODUCED, Status.VERIFIED_BOUNDED, Status.VERIFIED_EXHAUSTIVELY,
                      Status.PROVED})
NEGATIVE = frozenset(s for s in Status if s not in POSITIVE and s is not Status.NOT_YET_CHECKED)
MATH_METHODS = ("proof", "exhaustive", "float")
OUTCOME_METHODS = (*MATH_METHODS, "empirical", "metric")
ALPHA = 0.05  # significance level of empirical contrasts


def worst(statuses) -> Status:
    """The most severe of some statuses (not-yet-checked only when nothing else is present)."""
    checked = [Status(s) for s in statuses if Status(s) is not Status.NOT_YET_CHECKED]
    return min(checked, key=lambda s: s.severity) if checked else Status.NOT_YET_CHECKED


@dataclass(frozen=True)
class Replication:
    """The same contrast measured again on held-out evaluation seeds that no tuning touched."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    seeds: str

    def confirms(self, estimate: float) -> bool:
        """Significant at ALPHA with the interval excluding 0 on the side of `estimate`."""
        return self.p_value < ALPHA and (self.ci_low > 0 if estimate > 0 else self.ci_high < 0)


@dataclass(frozen=True)
class Contrast:
    """An empirical contrast: the claimed direction of an effect, its estimate, confidence interval and p-value on the
    discovery seeds, the Holm-adjusted p over the claim's contrasts, its replication on held-out seeds, the measured
    per-update drift of each compared run, and the power statement (smallest detectable effect against the stated
    effect size of interest)."""

    metric: str
    claimed_sign: int  # +1: the claim says the effect is positive; −1: negative
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    scale: str  # parameters, response length, seeds, steps
    drifts: tuple[float, ...] = ()  # measured mean per-update drift of each compared run (empty: one run vs a bound)
    drift_tolerance: float = 1.5  # budgets match when max/min of the drifts is at most this
    p_holm: float | None = None  # Holm-adjusted over the claim's contrasts (None: a single contrast)
    replication: Replication | None = None
    detectable_effect: float | None = None  # smallest effect the discovery seeds detect with power 0.8
    effect_of_interest: float | None = None  # the smallest effect that would matter, stated before the run

    def __post_init__(self) -> None:
        if self.claimed_sign not in (1, -1):
            raise ValueError(f"claimed_sign: {self.claimed_sign!r} must be +1 or -1")
        if any(not d > 0 for d in self.drifts):
            raise ValueError(f"drifts: {self.drifts!r} must be positive measured drifts")
        object.__setattr__(self, "drifts", tuple(self.drifts))

    @property
    def matched_budgets(self) -> bool:
        """The compared runs' measured drifts lie within drift_tolerance of each other (trivially for one run)."""
        return not self.drifts or max(self.drifts) / min(self.drifts) <= self.drift_tolerance

    @property
    def p_decision(self) -> float:
        """The p-value the decision reads: Holm-adjusted when the claim has several contrasts."""
        return self.p_value if self.p_holm is None else self.p_holm

    @property
    def significant(self) -> bool:
        """Adjusted p < ALPHA and the confidence interval excludes 0."""
        return self.p_decision < ALPHA and (self.ci_low > 0 or self.ci_high < 0)

    @property
    def powered(self) -> bool:
        """The discovery seeds could detect the stated effect of interest (detectable effect <= effect of interest)."""
        return (self.detectable_effect is not None and self.effect_of_interest is not None
                and self.detectable_effect <= self.effect_of_interest)

    @property
    def inconclusive_reason(self) -> str:
        """Why no directional or null word is allowed ("" when one is)."""
        if not self.matched_budgets:
            return (f"budgets not matched: measured drift per update {', '.join(f'{d:.3g}' for d in self.drifts)} "
                    f"differ by more than x{self.drift_tolerance:g}")
        if not self.significant:
            if self.powered:
                return ""
            if self.effect_of_interest is None:
                return "no power statement: no effect size of interest was stated"
            if self.detectable_effect is None:
                return (f"no power: no effect is detectable with these seeds (effect size of interest "
                        f"{fmt(self.effect_of_interest)})")
            return (f"no power: smallest detectable effect {fmt(self.detectable_effect)} exceeds the effect size of "
                    f"interest {fmt(self.effect_of_interest)}")
        if self.replication is None:
            return "not replicated: no held-out evaluation seeds"
        if not self.replication.confirms(self.estimate):
            r = self.replication
            return (f"did not replicate on held-out seeds {r.seeds}: {r.estimate:.4g} [{r.ci_low:.4g}, "
                    f"{r.ci_high:.4g}], p = {r.p_value:.3g}")
        return ""


def fmt(value: float | None) -> str:
    """A number to 4 significant digits, or 'none' (nothing stated or nothing detectable)."""
    return "none" if value is None else f"{value:.4g}"


def holm(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values, in the input order (monotone, capped at 1)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class Outcome:
    """What one check found about one sub-statement on one domain, before a status is decided.

    holds: the exact stated formula held on the whole domain (math), or the named metric came out as claimed
    (metric); empirical outcomes carry a `contrast` instead. A statement the paper writes with ≈ holds when its
    error is of the stated order, and `error` then quantifies it (not an erratum). The optional findings explain a
    failure: counterexample (exact, minimised), condition (a hypothesis the paper does not state, under which the
    statement was itself checked: `condition_holds`), error (for an equality written with = that holds only
    approximately: its quantified error), conflict (two definitions side by side), intended (the checked intended
    reading of a typo).

    bound: for a proof, the size up to which it ran ("T ≤ 8", "the depth-3 hierarchy with |B| = 1, 2, 3, 5"), set
    by the prover from the range of instances it checked; empty when the proof covers the paper's whole domain (every
    T, k, T_s, hierarchy). A proof that holds with a bound is verified-bounded, never proved.
    """

    method: str
    engine: str
    domain: str
    holds: bool | None = None
    counterexample: str = ""
    condition: str = ""
    condition_holds: bool | None = None
    error: str = ""
    conflict: str = ""
    intended: Outcome | None = None
    contrast: Contrast | None = None
    measurements: dict = field(default_factory=dict)
    bound: str = ""

    def __post_init__(self) -> None:
        if self.method not in OUTCOME_METHODS:
            raise ValueError(f"method: {self.method!r} is not one of {OUTCOME_METHODS}")
        if (self.method == "empirical") != (self.contrast is not None):
            raise ValueError("contrast: required for method 'empirical' and only there")
        if self.method != "empirical" and self.holds is None:
            raise ValueError(f"holds: required for method {self.method!r}")
        if self.bound and self.method != "proof":
            raise ValueError(f"bound: only a proof has one (method {self.method!r} names its family in `domain`)")


def decide(outcome: Outcome) -> Status:
    """The status one outcome supports (the rules of docs/verdicts.md, in order)."""
    if outcome.method == "empirical":
        contrast = outcome.contrast
        if contrast.inconclusive_reason:
            return Status.INCONCLUSIVE
        if not contrast.significant:
            return Status.NOT_REPRODUCED
        agrees = (contrast.estimate > 0) == (contrast.claimed_sign > 0)
        return Status.REPRODUCED if agrees else Status.OPPOSITE_TENDENCY
    if outcome.method == "metric":
        return Status.SUPPORTED if outcome.holds else Status.NOT_SUPPORTED
    if outcome.holds:  # a statement the paper writes with ≈ holds when its error is as stated (quantified beside)
        if outcome.method == "proof" and outcome.bound:
            return Status.VERIFIED_BOUNDED
        return {"proof": Status.PROVED, "exhaustive": Status.VERIFIED_EXHAUSTIVELY}.get(outcome.method,
                                                                                        Status.NOT_YET_CHECKED)
    if outcome.conflict:
        return Status.INCONSISTENT
    if outcome.intended is not None and decide(outcome.intended) in (Status.PROVED, Status.VERIFIED_EXHAUSTIVELY,
                                                                   Status.VERIFIED_BOUNDED):
        return Status.TYPO
    if outcome.condition and outcome.condition_holds:
        return Status.HOLDS_WITH_CONDITIONS
    if outcome.error:
        return Status.APPROXIMATE
    return Status.REFUTED if outcome.counterexample else Status.NOT_YET_CHECKED


def combine(outcomes) -> Status:
    """One sub-statement's status from all its outcomes: the worst negative if any, else the strongest positive.

    A float64 outcome that holds supports nothing by itself (it is a cross-check: it can only refute).
    """
    statuses = [decide(o) for o in outcomes]
    negative = [s for s in statuses if s in NEGATIVE]
    if negative:
        return worst(negative)
    positive = [s for s in statuses if s.positive]
    return max(positive, key=lambda s: s.severity) if positive else Status.NOT_YET_CHECKED


@dataclass(frozen=True)
class SubStatement:
    """One statement of the paper a claim covers: the result itself (role 'result') or a side assertion or remark
    (role 'remark'), with its page and equation, and every outcome found for it."""

    id: str
    text: str
    source: str
    outcomes: tuple[Outcome, ...]
    role: str = "result"

    def __post_init__(self) -> None:
        if self.role not in ("result", "remark"):
            raise ValueError(f"role: {self.role!r} must be 'result' or 'remark'")

    @property
    def status(self) -> Status:
        """combine() over this sub-statement's outcomes."""
        return combine(self.outcomes)


def outcome_text(outcome: Outcome) -> str:
    """One outcome as evidence text, rendered from its fields and measurements (nothing typed beside them)."""
    parts = [f"{decide(outcome).value} ({outcome.method}; {outcome.engine}; {outcome.domain})"]
    if outcome.bound:
        parts.append(f"bounded: every {outcome.bound}")
    for label, value in (("counterexample", outcome.counterexample), ("condition", outcome.condition),
                         ("error", outcome.error), ("conflict", outcome.conflict)):
        if value:
            parts.append(f"{label}: {value}")
    if outcome.condition:
        parts.append("under it the statement holds" if outcome.condition_holds else "under it the statement still fails")
    if outcome.intended is not None:
        parts.append(f"intended reading: {outcome_text(outcome.intended)}")
    if outcome.contrast is not None:
        c = outcome.contrast
        parts.append(f"{c.metric}: {c.estimate:.4g} [{c.ci_low:.4g}, {c.ci_high:.4g}], p = {c.p_value:.3g}"
                     + (f" (Holm {c.p_holm:.3g})" if c.p_holm is not None else "")
                     + f", claimed sign {c.claimed_sign:+d}, {c.scale}, budgets matched: {c.matched_budgets}, "
                     f"detectable effect {fmt(c.detectable_effect)} vs effect of interest {fmt(c.effect_of_interest)}")
        if c.replication is not None:
            r = c.replication
            parts.append(f"replication on seeds {r.seeds}: {r.estimate:.4g} [{r.ci_low:.4g}, {r.ci_high:.4g}], "
                         f"p = {r.p_value:.3g}")
        if c.inconclusive_reason:
            parts.append(f"inconclusive: {c.inconclusive_reason}")
    if outcome.measurements:
        parts.append(", ".join(f"{k} = {format_measurement(v)}" for k, v in sorted(outcome.measurements.items())))
    return "; ".join(parts)


def substatements_text(substatements) -> str:
    """Evidence text of sub-statements: each id with its status, then the text of every outcome."""
    return " | ".join(f"{sub.id} [{sub.status.value}]: " + "; ".join(outcome_text(o) for o in sub.outcomes)
                      for sub in substatements)


def format_measurement(value) -> str:
    """A measurement for evidence text: floats to 4 significant digits, sequences element-wise, dicts by key."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_measurement(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, bool) or not isinstance(value, (float, list, tuple)):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return "[" + ", ".join(format_measurement(v) for v in value) + "]"


def row_status(substatements) -> Status:
    """A claim's row status: no better than any of its 'result' sub-statements, a not-yet-checked result included
    (remarks keep their own status and are shown beside the row, never folded into it); remarks decide only when a
    claim has no result."""
    substatements = list(substatements)
    results = [s.status for s in substatements if s.role == "result"] or [s.status for s in substatements]
    return min(results, key=lambda s: s.severity) if results else Status.NOT_YET_CHECKED


# ---------------------------------------------------------------- the serialised record


@dataclass
class Verdict:
    """One producer's verdict on one claim: its sub-statements (with outcomes), the row status they give, evidence."""

    id: str
    producer: str
    substatements: tuple[SubStatement, ...]
    evidence: str
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "substatements", tuple(self.substatements))

    @property
    def status(self) -> Status:
        """row_status of the sub-statements (computed, never stored as an input)."""
        return row_status(self.substatements)


def make_verdict(claim_id: str, producer: str, substatements, evidence: str, details: dict | None = None) -> Verdict:
    """A Verdict from SubStatement objects."""
    return Verdict(claim_id, producer, tuple(substatements), evidence, details or {})


def substatement_from_dict(row: dict) -> SubStatement:
    """Inverse of asdict for a SubStatement."""
    return SubStatement(row["id"], row["text"], row["source"], tuple(outcome_from_dict(o) for o in row["outcomes"]),
                        row.get("role", "result"))


def outcome_from_dict(row: dict) -> Outcome:
    """Inverse of asdict for an Outcome."""
    row = dict(row)
    if row.get("intended") is not None:
        row["intended"] = outcome_from_dict(row["intended"])
    if row.get("contrast") is not None:
        contrast = dict(row["contrast"])
        if contrast.get("replication") is not None:
            contrast["replication"] = Replication(**contrast["replication"])
        row["contrast"] = Contrast(**contrast)
    return Outcome(**row)


def write_verdicts(path: Path, verdicts: list[Verdict]) -> Path:
    """Write verdicts as a sorted, deterministic JSON list (each with its computed status, for readers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(({**asdict(v), "status": v.status.value} for v in verdicts), key=lambda r: (r["id"], r["producer"]))
    path.write_text(json.dumps(rows, indent=2, sort_keys=True, default=float, ensure_ascii=False) + "\n")
    return path


def read_verdicts(paths: list[Path]) -> list[Verdict]:
    """All verdicts found in the given files (missing files are skipped; the stored status is recomputed).

    A record in the format before sub-statements (a typed `status`, no `substatements`) is kept with no
    sub-statements, so it counts as not-yet-checked: its stored status is never trusted."""
    found = []
    for path in paths:
        if path.exists():
            for row in json.loads(path.read_text()):
                stored = row.pop("status", None)
                if "substatements" not in row:
                    row = {"id": row["id"], "producer": row.get("producer", path.stem), "substatements": [],
                           "evidence": f"record in the format before sub-statements (stored status {stored!r} not "
                                       f"recomputed): rerun its producer ({path.name})"}
                found.append(Verdict(**{**row, "substatements": tuple(substatement_from_dict(s)
                                                                       for s in row["substatements"])}))
    return found


def all_verdict_files() -> list[Path]:
    """The derivations' committed verdicts plus every producer file under results/verdicts/."""
    return [paths.DERIVATION_VERDICTS, *sorted(paths.RESULT_VERDICTS.glob("*.json"))]

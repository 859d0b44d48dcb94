"""Verdicts: the computed outcome of one check of one claim, and where producers store them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATUSES = (
    "proved",
    "verified-numerically",
    "holds-with-conditions",
    "approximate",
    "refuted",
    "inconsistent",
    "not-yet-checked",
)

ROOT = Path(__file__).resolve().parent.parent
DERIVATION_VERDICTS = ROOT / "derivations" / "out" / "verdicts.json"
RESULT_VERDICTS = ROOT / "results" / "verdicts"


@dataclass
class Verdict:
    """One computed verdict: claim id, status, a one-paragraph evidence summary and machine-readable details."""

    id: str
    status: str
    evidence: str
    producer: str
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status: {self.status!r} is not one of {STATUSES}")


def write_verdicts(path: Path, verdicts: list[Verdict]) -> Path:
    """Write verdicts as a sorted, deterministic JSON list."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted((asdict(v) for v in verdicts), key=lambda row: (row["id"], row["producer"]))
    path.write_text(json.dumps(rows, indent=2, sort_keys=True, default=float) + "\n")
    return path


def read_verdicts(paths: list[Path]) -> list[Verdict]:
    """All verdicts found in the given files (missing files are skipped)."""
    found = []
    for path in paths:
        if path.exists():
            found += [Verdict(**row) for row in json.loads(path.read_text())]
    return found


def all_verdict_files() -> list[Path]:
    """The derivations' committed verdicts plus every producer file under results/verdicts/."""
    return [DERIVATION_VERDICTS, *sorted(RESULT_VERDICTS.glob("*.json"))]

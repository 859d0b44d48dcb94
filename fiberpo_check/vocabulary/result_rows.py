"""Result rows: the ledger's claims and sub-statements (reports/claims.json) and the audit table's rows, typed from
production to rendering; `to_dict` and `from_dict` convert at the edges where they are written or read back."""

from __future__ import annotations

from dataclasses import dataclass, fields

from fiberpo_check.vocabulary.verdicts import Status


def as_json(value):
    """A field as JSON data: a status as its value, a tuple as a list, a row as its dict."""
    if isinstance(value, Status):
        return value.value
    if isinstance(value, tuple):
        return [as_json(v) for v in value]
    return value.to_dict() if isinstance(value, Row) else value


def ancestry(stored: dict) -> dict:
    """The dependency fields of a stored ledger row; a row stored without them rests on nothing."""
    return {"rests_on": tuple(stored.get("rests_on", ())), "ancestors": tuple(stored.get("ancestors", ())),
            "status_given_ancestors": Status(stored.get("status_given_ancestors", stored["status"])),
            "weaker_ancestors": tuple(stored.get("weaker_ancestors", ()))}


class Row:
    """A result row, written as JSON."""

    def to_dict(self) -> dict:
        """The row as written to JSON (statuses as their values, tuples as lists)."""
        return {f.name: as_json(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class LedgerRow(Row):
    """A ledger row or sub-statement's dependencies: what it rests on directly, every ancestor, its status given
    them (its own status until they are known) and the ancestors weaker than itself."""

    rests_on: tuple[str, ...] = ()
    ancestors: tuple[str, ...] = ()
    status_given_ancestors: Status | None = None
    weaker_ancestors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status_given_ancestors is None:
            object.__setattr__(self, "status_given_ancestors", self.status)


@dataclass(frozen=True)
class SubstatementRow(LedgerRow):
    """A sub-statement of a ledger row (`substatements` in reports/claims.json), with what decided it."""

    id: str
    text: str
    source: str
    role: str
    status: Status
    engine: str
    domain: str
    evidence: str
    producers: tuple[str, ...]
    checked: tuple[str, ...]

    @classmethod
    def from_dict(cls, stored: dict) -> SubstatementRow:
        """A sub-statement read back from claims.json (a status outside the vocabulary raises ValueError)."""
        return cls(stored["id"], stored["text"], stored["source"], stored["role"], Status(stored["status"]),
                   stored["engine"], stored["domain"], stored["evidence"], tuple(stored["producers"]),
                   tuple(stored["checked"]), **ancestry(stored))


@dataclass(frozen=True)
class ClaimRow(LedgerRow):
    """A row of the claims ledger (reports/claims.json): one claim, its row status and its sub-statements."""

    id: str
    claim: str
    source: str
    kind: str
    status: Status
    evidence: str
    producers: tuple[str, ...]
    substatements: tuple[SubstatementRow, ...]

    @classmethod
    def from_dict(cls, stored: dict) -> ClaimRow:
        """A ledger row read back from claims.json (a status outside the vocabulary raises ValueError)."""
        return cls(stored["id"], stored["claim"], stored["source"], stored["kind"], Status(stored["status"]),
                   stored["evidence"], tuple(stored["producers"]),
                   tuple(SubstatementRow.from_dict(s) for s in stored["substatements"]), **ancestry(stored))


@dataclass(frozen=True)
class AuditTableRow(Row):
    """A row of the equation-level audit table (`ledger --audit --json`): an audit record with its status."""

    section: str
    page: int
    id: str
    quote: str
    kind: str
    check: str
    uses: tuple[str, ...]
    claims: tuple[str, ...]
    link: tuple[str, ...]
    unchecked: str
    status: Status
    evidence: str

    @classmethod
    def from_dict(cls, stored: dict) -> AuditTableRow:
        """An audit table row read back from JSON (a status outside the vocabulary raises ValueError)."""
        return cls(stored["section"], stored["page"], stored["id"], stored["quote"], stored["kind"], stored["check"],
                   tuple(stored["uses"]), tuple(stored["claims"]), tuple(stored["link"]), stored["unchecked"],
                   Status(stored["status"]), stored["evidence"])

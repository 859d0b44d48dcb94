"""Which claims a claim rests on, read from stored results: the ledger's own `rests_on` field (what each claim and
its results rest on, from `claims.RESTS_ON`) when any claim rests on something, else the equation-level audit (a
claim rests on its audit rows; a row rests on the definitions whose `uses` name it; such a definition belonging to
another claim makes that claim an ancestor)."""

from __future__ import annotations

import re

from fiberpo_check.vocabulary.result_rows import AuditTableRow, ClaimRow

EQUATION_RANGE = re.compile(r"\beqs?\.?\s*(\d+)(?:\s*[–-]\s*(\d+))?")
NAMED = re.compile(r"\b(Lemma|Theorem|Thm|Proposition|Prop|Definition|Def|Remark|Claim|Corollary)\s+([A-E]?\.?\d+(?:\.\d+)?)")
LONG_NAMES = {"Thm": "Theorem", "Prop": "Proposition", "Def": "Definition"}


def used_row_ids(use: str, known: set[str]) -> list[str]:
    """The audit row ids one `uses` entry names ('eqs 14–16' -> eq14, eq15, eq16; 'Lemma D.9'), among `known`."""
    ids = []
    for match in EQUATION_RANGE.finditer(use):
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        ids += [f"eq{n}" for n in range(first, last + 1) if last - first < 20]
    for kind, number in NAMED.findall(use):
        ids += [f"{kind} {number}", f"{LONG_NAMES.get(kind, kind)} {number}"]
    return [i for i in dict.fromkeys(ids) if i in known]


def row_graph(audit: list[AuditTableRow]) -> dict[str, set[str]]:
    """audit row id -> the audit row ids it rests on. A row's `uses` lists the places that use its symbol (a
    definition's users), so each of those rests on the row."""
    known = {r.id for r in audit}
    graph: dict[str, set[str]] = {r.id: set() for r in audit}
    for r in audit:
        for use in r.uses:
            for user in used_row_ids(use, known):
                if user != r.id:
                    graph[user].add(r.id)
    return graph


def closure(graph: dict[str, set[str]], start) -> set[str]:
    """Everything reachable from `start` (not including the start nodes unless reached again)."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def claim_rows(audit: list[AuditTableRow]) -> dict[str, set[str]]:
    """claim id -> the audit rows that belong to it (rows listing the claim in `claims`, or linked to it)."""
    rows: dict[str, set[str]] = {}
    for r in audit:
        for claim_id in {*r.claims, *(link.split("/", 1)[0] for link in r.link)}:
            rows.setdefault(claim_id, set()).add(r.id)
    return rows


def claim_graph(claims: list[ClaimRow], audit: list[AuditTableRow]) -> dict[str, set[str]]:
    """claim id -> the claim ids it uses directly."""
    ids = {c.id for c in claims}
    if any(c.rests_on for c in claims):  # the ledger's own graph (sub-statement ids name their claim)
        return {c.id: {u.split("/", 1)[0] for u in c.rests_on} & ids - {c.id} for c in claims}
    uses = row_graph(audit)
    owned = claim_rows(audit)
    owners: dict[str, set[str]] = {}
    for claim_id, rows in owned.items():
        for row in rows:
            owners.setdefault(row, set()).add(claim_id)
    graph = {}
    for claim_id in ids:
        used = {u for row in owned.get(claim_id, ()) for u in uses.get(row, ())}
        graph[claim_id] = {c for row in used for c in owners.get(row, ())} & ids - {claim_id}
    return graph


def ancestors(claims: list[ClaimRow], audit: list[AuditTableRow]) -> dict[str, dict[str, list[str]]]:
    """claim id -> {"claims": every claim it rests on, transitively; "rows": every audit row it rests on}."""
    graph = claim_graph(claims, audit)
    uses = row_graph(audit)
    owned = claim_rows(audit)
    out = {}
    for c in claims:
        above = closure(graph, [c.id]) - {c.id}
        rows = set(owned.get(c.id, ())) | closure(uses, owned.get(c.id, ()))
        out[c.id] = {"claims": sorted(above), "rows": sorted(rows)}
    return out

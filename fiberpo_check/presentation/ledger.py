"""The claims ledger: one row per SPEC claim, merging every producer's verdicts for that id by sub-statement.

Merge rule. Each producer's verdict on a claim lists sub-statements (`claims.PARTS` names them: `FPO-2/eq20`, ...),
each with the outcomes it found. The ledger pools, per sub-statement id, the outcomes of every producer (a SymPy
proof from the derivations and a float64 cross-check from `verify` of `FPO-2/eq20` become one sub-statement with two
outcomes) and decides it with `verdicts.combine`: the worst negative outcome wins (one exact counterexample refutes
whatever else passed); otherwise the strongest positive (proved > verified-exhaustively > reproduced-in-miniature >
supported-under-metric); a float64 outcome that holds supports nothing by itself, so a sub-statement with only float
evidence stays not-yet-checked.

Row rule (`verdicts.row_status`). A row is no better than any of its sub-statements of role "result" (the theorem
or proposition itself), a not-yet-checked result included: a claim whose result no producer has reported reads
not-yet-checked, never the status of its other results. A remark (a side assertion the check also covers) keeps its
own status and is shown beside the row, never folded into it, so "eq 20 is right; the L-III shortcut is not" reads
as `proved` with a refuted remark. The evidence lists every sub-statement with its outcomes and every producer's own
evidence, so nothing is hidden by the merge.

Dependencies (`claims.RESTS_ON`). Each claim and sub-statement may name what it rests on (other sub-statements or
claims). Beside its own status the ledger gives its status given its ancestors (the worst over itself and every
ancestor, transitively) and lists the ancestors weaker than itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from fiberpo_check import paths
from fiberpo_check.vocabulary.claims import CLAIMS, PART_BY_ID, RESTS_ON, Claim, claim_of, parts_of
from fiberpo_check.vocabulary.result_rows import ClaimRow, SubstatementRow
from fiberpo_check.vocabulary.verdicts import (
    Status,
    SubStatement,
    Verdict,
    all_verdict_files,
    decide,
    outcome_text,
    read_verdicts,
    row_status,
)


def verdict_order(verdict: Verdict) -> tuple[str, str]:
    """Sort key of verdicts: producer, then content, so reading order (fresh or from a cache) never shows."""
    return verdict.producer, json.dumps([[asdict(s) for s in verdict.substatements], verdict.evidence],
                                        sort_keys=True, default=float)


def merged_substatements(claim: Claim, verdicts: list[Verdict]) -> list[tuple[SubStatement, list[str], list[str]]]:
    """The claim's sub-statements, each with the outcomes of every producer pooled, who reported it, and the
    producers' own texts where they differ from the listed one (e.g. a formula rendered by a prover).

    Text, source and role of a listed id come from claims.py; order: the listed parts of the claim (claims.PARTS
    order), then unlisted ids in sorted order."""
    pooled: dict[str, list] = {}
    reporters: dict[str, list[str]] = {}
    first: dict[str, SubStatement] = {}
    checked: dict[str, list[str]] = {}
    for verdict in sorted(verdicts, key=verdict_order):
        for sub in verdict.substatements:
            first.setdefault(sub.id, sub)
            pooled.setdefault(sub.id, []).extend(sub.outcomes)
            if verdict.producer not in reporters.setdefault(sub.id, []):
                reporters[sub.id].append(verdict.producer)
            if sub.text not in checked.setdefault(sub.id, []):
                checked[sub.id].append(sub.text)
    listed = [p.id for p in parts_of(claim.id)]
    merged = []
    for sub_id in listed + sorted(set(pooled) - set(listed)):
        known = PART_BY_ID.get(sub_id)
        text, source, role = (known.text, known.source, known.role) if known else (
            first[sub_id].text, first[sub_id].source, first[sub_id].role)
        merged.append((SubStatement(sub_id, text, source, tuple(pooled.get(sub_id, ())), role),
                       reporters.get(sub_id, []), [t for t in checked.get(sub_id, []) if t != text]))
    return merged


def substatement_row(sub: SubStatement, producers: list[str], checked: list[str]) -> SubstatementRow:
    """A sub-statement as a ledger row: its status, the engines/domains of the outcomes that decided it, and the
    producers' texts of the checked formula (`checked`) where they differ from the listed statement."""
    status = sub.status
    deciding = [o for o in sub.outcomes if decide(o) is status] or list(sub.outcomes)
    evidence = " | ".join(outcome_text(o) for o in sub.outcomes) or "no check has reported yet"
    return SubstatementRow(sub.id, sub.text, sub.source, sub.role, status,
                           engine=", ".join(sorted({o.engine for o in deciding})),
                           domain="; ".join(sorted({o.domain for o in deciding})),
                           evidence=evidence, producers=tuple(producers), checked=tuple(checked))


def row(claim: Claim, verdicts: list[Verdict]) -> ClaimRow:
    """One ledger row: id, claim, source, kind, row status, evidence, producers and sub-statements."""
    mine = sorted((v for v in verdicts if v.id == claim.id), key=verdict_order)
    merged = merged_substatements(claim, mine)
    status = row_status(sub for sub, _, _ in merged) if merged else Status.NOT_YET_CHECKED
    evidence = " || ".join(f"[{v.producer}: {v.status.value}] {v.evidence}" for v in mine)
    return ClaimRow(claim.id, claim.text, claim.source, claim.kind, status,
                    evidence=evidence or "no check has reported yet", producers=tuple(v.producer for v in mine),
                    substatements=tuple(substatement_row(*merged_row) for merged_row in merged))


def rows(verdicts: list[Verdict] | None = None) -> list[ClaimRow]:
    """Every SPEC claim in SPEC order, plus a row per unknown id a producer reported (kind 'unknown claim id'), each
    with its status given its ancestors."""
    verdicts = read_verdicts(all_verdict_files()) if verdicts is None else verdicts
    table = [row(claim, verdicts) for claim in CLAIMS]
    known = {claim.id for claim in CLAIMS}
    for unknown in sorted({v.id for v in verdicts} - known):
        table.append(row(Claim(unknown, "", "", "unknown claim id"), verdicts))
    return with_ancestors(table)


def node_statuses(table: list[ClaimRow]) -> dict[str, Status]:
    """id -> own status of every claim and sub-statement of the ledger."""
    found = {r.id: r.status for r in table}
    found.update({s.id: s.status for r in table for s in r.substatements})
    return found


def direct_uses(node: str, table: list[ClaimRow]) -> tuple[str, ...]:
    """What a node rests on: its own RESTS_ON entry; a claim also rests on everything its sub-statements rest on."""
    uses = list(RESTS_ON.get(node, ()))
    if "/" not in node:
        for r in table:
            if r.id == node:
                uses += [u for s in r.substatements if s.role == "result" for u in RESTS_ON.get(s.id, ())]
    return tuple(dict.fromkeys(u for u in uses if u != node and claim_of(u) != node))


def ancestors(node: str, table: list[ClaimRow]) -> list[str]:
    """Every node `node` rests on, transitively, in the order first reached (a cycle is an error naming it)."""
    found: list[str] = []
    stack = [(node, (node,))]
    while stack:
        current, path = stack.pop()
        for used in direct_uses(current, table):
            if used in path:
                raise ValueError(f"RESTS_ON: circular dependency {' -> '.join((*path, used))}")
            if used not in found:
                found.append(used)
            stack.append((used, (*path, used)))
    return found


def with_ancestors(table: list[ClaimRow]) -> list[ClaimRow]:
    """The rows with, on every row and sub-statement: rests_on (direct), ancestors, status_given_ancestors (the
    weakest of its own status and every ancestor's, an unreported ancestor counting as not-yet-checked) and
    weaker_ancestors."""
    own = node_statuses(table)

    def placed(item: ClaimRow | SubstatementRow) -> ClaimRow | SubstatementRow:
        found = ancestors(item.id, table)
        weaker = [a for a in found if own.get(a, Status.NOT_YET_CHECKED).severity < item.status.severity]
        given = min([item.status, *(own.get(a, Status.NOT_YET_CHECKED) for a in found)], key=lambda s: s.severity)
        return replace(item, rests_on=direct_uses(item.id, table), ancestors=tuple(found),
                       status_given_ancestors=given,
                       weaker_ancestors=tuple(f"{a} ({own.get(a, Status.NOT_YET_CHECKED).value})" for a in weaker))

    return [replace(placed(r), substatements=tuple(placed(s) for s in r.substatements)) for r in table]


def dependency_graph(table: list[ClaimRow]) -> dict:
    """The dependency graph as JSON: nodes (id, own status, status given ancestors) and edges (node -> what it uses)."""
    items = [*table, *(s for r in table for s in r.substatements)]
    return {"nodes": [{"id": i.id, "status": i.status.value, "status_given_ancestors": i.status_given_ancestors.value}
                      for i in items],
            "edges": [{"from": i.id, "uses": u} for i in items for u in i.rests_on]}


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(table: list[ClaimRow]) -> str:
    """The ledger as a Markdown report: the row table, then every claim's sub-statements with their statuses."""
    counts: dict[Status, int] = {}
    for r in table:
        counts[r.status] = counts.get(r.status, 0) + 1
    lines = ["<!-- generated by `python -m fiberpo_check ledger --write`; do not edit -->", "# Claims ledger", "",
             "Status counts: " + ", ".join(f"{s}: {n}" for s, n in sorted(counts.items())), "",
             "Row status: the worst status of the claim's 'result' sub-statements; remarks keep their own status "
             f"(rule: `{row_status.__module__}.row_status`).", "",
             "Given ancestors: the weakest of the row's own status and the status of everything it rests on "
             "(`claims.RESTS_ON`, transitively); ancestors weaker than the row are named.", "",
             "| id | source | kind | status | given ancestors | sub-statements |", "|---|---|---|---|---|---|"]
    for r in table:
        subs = "; ".join(f"{s.id} ({s.role}): {s.status}" for s in r.substatements) or "none reported"
        given = r.status_given_ancestors.value + (f" (rests on {', '.join(r.weaker_ancestors)})"
                                                  if r.weaker_ancestors else "")
        lines.append("| " + " | ".join(cell(c) for c in (r.id, r.source, r.kind, f"**{r.status}**", given, subs))
                     + " |")
    for r in table:
        lines += ["", f"## {r.id}: {r.status}", "", f"{r.claim} ({r.source}; {r.kind})", ""]
        if r.substatements:
            lines += ["| sub-statement | role | source | status | engine | domain | evidence |",
                      "|---|---|---|---|---|---|---|"]
            lines += ["| " + " | ".join(cell(c) for c in (s.id, s.role, s.source, s.status.value, s.engine, s.domain))
                      + " | " + cell(" ".join([s.evidence, *(f"Checked as: {t}" for t in s.checked)])) + " |"
                      for s in r.substatements]
            lines.append("")
        lines.append(f"Producers: {cell(r.evidence)}")
    return "\n".join(lines) + "\n"


def json_text(data) -> str:
    """JSON text as the ledger writes it: deterministic (sorted keys, fixed indent)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def serialise(table: list[ClaimRow]) -> str:
    """claims.json text: every row as its dict, deterministic."""
    return json_text([r.to_dict() for r in table])


def write(table: list[ClaimRow], folder: Path | None = None) -> list[Path]:
    """Write claims.md, claims.json and the dependency graph dependencies.json into folder (default reports/)."""
    folder = paths.REPORTS if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    md, js, graph = folder / "claims.md", folder / "claims.json", folder / "dependencies.json"
    md.write_text(markdown(table))
    js.write_text(serialise(table))
    graph.write_text(json_text(dependency_graph(table)))
    return [md, js, graph]

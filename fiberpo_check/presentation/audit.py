"""The equation-level audit: one row per numbered equation, stated result and quantitative assertion.

The rows and their checks live in `derivations/audit/` (one module per section or appendix of the paper); the
derivations build writes what the checks found to `derivations/out/audit.json`. This module reads that file back:
a row's status is no better than `verdicts.combine` over its own outcomes nor than any ledger sub-statement it links
(`link`: the sub-statements that check exactly its content, never a whole claim); a row judged not checkable says
why (`unchecked`) and stays not-yet-checked. Coverage counts rows, checkable rows and checked rows per section.
"""

from __future__ import annotations

import json

from fiberpo_check import paths
from fiberpo_check.vocabulary.audit_rows import SECTIONS
from fiberpo_check.vocabulary.findings import FINDINGS, SEVERITY_ORDER, Finding, severity_of, status_of
from fiberpo_check.vocabulary.result_rows import AuditTableRow, ClaimRow
from fiberpo_check.vocabulary.verdicts import NEGATIVE, Status, combine, outcome_from_dict, outcome_text, worst



def linked_statuses(ledger_rows: list[ClaimRow]) -> dict[str, tuple[Status, str]]:
    """id -> (status, evidence) for every headline claim and every sub-statement of the ledger."""
    found = {}
    for claim in ledger_rows:
        found[claim.id] = (claim.status, claim.evidence)
        for sub in claim.substatements:
            found[sub.id] = (sub.status, sub.evidence)
    return found


def rows(records: list[dict] | None = None, ledger_rows: list[ClaimRow] | None = None) -> list[AuditTableRow]:
    """The audit table: each record of derivations/out/audit.json (or `records`) with its status and evidence."""
    if records is None:
        if not paths.AUDIT_JSON.exists():
            raise FileNotFoundError(f"{paths.AUDIT_JSON}: run `python -m fiberpo_check derivations` first")
        records = json.loads(paths.AUDIT_JSON.read_text())
    if ledger_rows is None:
        from fiberpo_check.presentation import ledger

        ledger_rows = ledger.rows()
    linked = linked_statuses(ledger_rows)
    table = []
    for rec in records:
        outcomes = [outcome_from_dict(o) for o in rec["outcomes"]]
        found = [(name, *linked.get(name, (Status.NOT_YET_CHECKED, "no verdict reported yet"))) for name in rec["link"]]
        if outcomes or found:  # its own check and the sub-statements it links: no better than any of them
            statuses = ([combine(outcomes)] if outcomes else []) + [st for _, st, _ in found]
            status = min(statuses, key=lambda st: st.severity)
            evidence = " | ".join([*(outcome_text(o) for o in outcomes),
                                   *(f"= {name}: {st}: {ev}" for name, st, ev in found)])
        else:
            status, evidence = Status.NOT_YET_CHECKED, f"not checkable: {rec['unchecked']}"
        table.append(AuditTableRow.from_dict({**rec, "status": status, "evidence": evidence}))
    return table


def coverage(table: list[AuditTableRow]) -> dict[str, dict]:
    """Per section and 'all': rows, checkable, checked (a checkable row with a status), and the status counts."""
    out: dict[str, dict] = {}
    for key in [*SECTIONS, "all"]:
        mine = [r for r in table if key in ("all", r.section)]
        checkable = [r for r in mine if not r.unchecked]
        checked = [r for r in checkable if r.status is not Status.NOT_YET_CHECKED]
        counts: dict[Status, int] = {}
        for r in mine:
            counts[r.status] = counts.get(r.status, 0) + 1
        out[key] = {"rows": len(mine), "checkable": len(checkable), "checked": len(checked),
                    "percent": round(100 * len(checked) / len(checkable), 1) if checkable else 100.0,
                    "statuses": dict(sorted(counts.items()))}
    return out


def audit_rows(table: list[AuditTableRow]) -> dict[str, list[str]]:
    """claim id -> the audit rows it depends on (the rows that list it in `claims`)."""
    mapping: dict[str, list[str]] = {}
    for r in table:
        for claim_id in r.claims:
            mapping.setdefault(claim_id, []).append(r.id)
    return mapping


def dependency_floor(table: list[AuditTableRow], claim_id: str) -> Status:
    """The worst status among the rows a claim's truth rests on: its own-checked assertions and proof steps.

    Left out: linked rows (they read their status from the claim), definitions (an inconsistency between two
    definitions is reported, but the claim is checked under one stated reading), and typos (the intended reading
    is itself verified)."""
    own = [r.status for r in table if claim_id in r.claims and not r.link
           and r.kind in ("assertion", "proof-step") and r.status is not Status.TYPO]
    return worst(own)


def table_text(table: list[AuditTableRow], width: int = 70) -> str:
    """The audit as a fixed-width table, then the coverage per section."""
    lines = [f"{'sec':<4}{'page':>4}  {'id':<16} {'kind':<11} {'status':<22} quote"]
    for r in table:
        quote = r.quote if len(r.quote) <= width else r.quote[: width - 1] + "…"
        lines.append(f"{r.section:<4}{r.page:>4}  {r.id:<16} {r.kind:<11} {r.status:<22} {quote}")
    lines += ["", coverage_text(coverage(table))]
    return "\n".join(lines)


def coverage_text(cov: dict[str, dict]) -> str:
    """Coverage lines: section, rows, checkable, checked, percent, status counts."""
    lines = [f"{'coverage':<46} rows checkable checked      %  statuses"]
    for key, c in cov.items():
        name = "all" if key == "all" else SECTIONS[key]
        statuses = ", ".join(f"{s}: {n}" for s, n in c["statuses"].items())
        lines.append(f"{name[:46]:<46} {c['rows']:>4} {c['checkable']:>9} {c['checked']:>7} {c['percent']:>6}  "
                     f"{statuses}")
    return "\n".join(lines)


def check_evidence(table: list[AuditTableRow], ledger_rows: list[ClaimRow]) -> dict[str, tuple[Status, str]]:
    """id -> (status, evidence) of every audit row and every ledger claim and sub-statement (what findings are
    decided by)."""
    return linked_statuses(ledger_rows) | {r.id: (r.status, r.evidence) for r in table}


def check_statuses(table: list[AuditTableRow], ledger_rows: list[ClaimRow]) -> dict[str, Status]:
    """id -> status of every audit row and every ledger claim and sub-statement."""
    return {name: status for name, (status, _) in check_evidence(table, ledger_rows).items()}


def findings_in_order(statuses: dict[str, Status]) -> list[tuple[Finding, Status]]:
    """Every catalogued finding with its status computed from `statuses`, in errata order: severity, page, key."""
    decided = [(f, status_of(f, statuses)) for f in FINDINGS]
    rank = {name: i for i, name in enumerate(SEVERITY_ORDER)}
    return sorted(decided, key=lambda fs: (rank.get(severity_of(fs[1]), len(rank)), fs[0].page, fs[0].key))


def decided_findings(table: list[AuditTableRow], ledger_rows: list[ClaimRow]) -> list[tuple[Finding, Status]]:
    """Every catalogued finding with its computed status, in errata order."""
    return findings_in_order(check_statuses(table, ledger_rows))


def finding_names() -> dict[str, list[str]]:
    """row or sub-statement id -> the keys of the findings that name it (as a check, a row or the same fact)."""
    named: dict[str, list[str]] = {}
    for f in FINDINGS:
        for name in dict.fromkeys((*f.checked_by, *f.rows, *f.same_fact)):
            named.setdefault(name, []).append(f.key)
    return named


def uncovered(table: list[AuditTableRow]) -> list[AuditTableRow]:
    """Negative audit rows that no finding names: each must be explained by one (the errata list them apart)."""
    named = finding_names()
    return [r for r in table if r.status in NEGATIVE and r.id not in named
            and not any(link in named for link in r.link)]


def check_line(name: str, evidence: dict[str, tuple[Status, str]]) -> str:
    """One check of a finding for people: id, status, engine/domain and the counterexample, at most ~300 chars."""
    status, text = evidence.get(name, (Status.NOT_YET_CHECKED, "not reported"))
    text = text.removeprefix(f"{status} ")
    short = text if len(text) <= 260 else text[:259] + "…"
    return f"`{name}` ({status}): {short}"


def errata_entries(table: list[AuditTableRow], ledger_rows: list[ClaimRow]) -> list[dict]:
    """The errata as records: one per finding whose status is negative, numbered E-1, E-2, … in errata order."""
    evidence = check_evidence(table, ledger_rows)
    entries = []
    for finding, status in findings_in_order({name: s for name, (s, _) in evidence.items()}):
        if status not in NEGATIVE:
            continue
        entries.append({"number": f"E-{len(entries) + 1}", "key": finding.key, "status": status.value,
                        "severity": severity_of(status), "page": finding.page, "locator": finding.locator,
                        "paper_words": finding.paper_words, "problem": finding.problem, "witness": finding.witness,
                        "correction": finding.correction, "downstream": finding.downstream,
                        "checked_by": [check_line(n, evidence) for n in finding.checked_by],
                        "rows": list(finding.rows), "same_fact": list(finding.same_fact),
                        "certificate": finding.certificate})
    return entries


def errata(table: list[AuditTableRow], ledger_rows: list[ClaimRow], entries: list[dict] | None = None) -> str:
    """docs/errata.md: one entry per finding (locator, the paper's words, the problem, a witness, the correction, the
    severity, the downstream effect, the checks that decide it and its certificate), errors first, then by page;
    then the negative rows no finding explains and the checkable rows no check has reached yet (`entries`: the
    errata_entries, when already computed)."""
    entries = errata_entries(table, ledger_rows) if entries is None else entries
    pending = [r for r in table if not r.unchecked and r.status is Status.NOT_YET_CHECKED]
    elsewhere = [r for r in pending if r.link]
    counts = {name: sum(e["severity"] == name for e in entries) for name in SEVERITY_ORDER}
    out = ["<!-- generated by `python -m fiberpo_check derivations` from the findings and the audit; do not edit -->",
           "# Errata for *Fibration Policy Optimization* (arXiv 2603.08239v1)", "",
           "One entry per finding: a root cause in the paper, checked once by the derivations' provers, with the "
           "statements it touches. Severity: *error* (a stated conclusion fails), *missing condition* (true only "
           "under a condition the paper does not state anywhere for that statement), *typo* (a notation slip whose "
           "intended reading is itself proved), *imprecision* (an equality that holds only approximately). Each "
           "witness is re-checked by a standalone certificate (`make certificates`); the machine detail of every "
           "entry is in `docs/errata.json`.", "",
           f"{len(entries)} entries: " + ", ".join(f"{n} {name}" for name, n in counts.items()), ""]
    for e in entries:
        out += [f"## {e['number']} · {e['severity']} · {e['locator']}", f'<a id="{e["key"]}"></a>', "",
                f"> {e['paper_words']}", "", f"**Problem.** {e['problem']}", "", f"**Witness.** {e['witness']}", "",
                f"**Correction.** {e['correction']}", "", f"**Downstream.** {e['downstream']}", "",
                "**Checked by.** " + "; ".join(e["checked_by"]), ""]
        if e["rows"] or e["same_fact"]:
            out += ["**Also stated in.** " + ", ".join([*e["rows"], *e["same_fact"]]), ""]
        out += [f"**Certificate.** `{e['certificate']}`", ""]
    loose = uncovered(table)
    if loose:
        out += ["## Negative rows no finding explains", ""]
        out += [f"- p. {r.page}, {r.id}: {r.status}: {r.quote}" for r in loose] + [""]
    out += ["## Statements checked by the numeric checks or the experiments", "",
            "Their statuses are in the ledger (`reports/claims.md`) and the report's audit table; the errata are "
            "decided by the derivations alone, so they read the same whichever other steps ran.", ""]
    out += [f"- p. {r.page}, {r.id}: {r.quote} (= {', '.join(r.link)})" for r in elsewhere] or ["None."]
    out += ["", "## Checkable statements not yet checked", ""]
    out += [f"- p. {r.page}, {r.id}: {r.quote}" for r in pending if not r.link] or ["None."]
    return "\n".join(out) + "\n"


def write_errata(table: list[AuditTableRow], ledger_rows: list[ClaimRow], path=None):
    """Write docs/errata.md (or `path`) and, beside it, docs/errata.json (the entries with their machine detail)."""
    path = path or paths.ERRATA
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = errata_entries(table, ledger_rows)
    path.write_text(errata(table, ledger_rows, entries))
    path.with_suffix(".json").write_text(json.dumps(entries, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def main(ledger_rows: list[ClaimRow], as_json: bool = False) -> int:
    """`ledger --audit`: print the audit table and its coverage (--json: {"rows": …, "coverage": …})."""
    table = rows(ledger_rows=ledger_rows)
    if as_json:
        print(json.dumps({"rows": [r.to_dict() for r in table], "coverage": coverage(table)}, indent=2, sort_keys=True,
                         ensure_ascii=False))
    else:
        print(table_text(table))
    return 0

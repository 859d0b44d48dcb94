"""`python -m fiberpo_check ledger [--json] [--write] [--audit]`: the claims ledger from every producer's verdicts."""

from __future__ import annotations

import argparse

from fiberpo_check.presentation import audit
from fiberpo_check.presentation import ledger
from fiberpo_check.vocabulary.result_rows import ClaimRow


def table_text(table: list[ClaimRow], width: int = 90) -> str:
    """A fixed-width table: id, status, kind and the start of the evidence."""
    lines = [f"{'id':<8} {'status':<30} {'kind':<30} sub-statements"]
    for r in table:
        subs = "; ".join(f"{s.id.split('/', 1)[-1]}: {s.status}" for s in r.substatements) or r.evidence
        subs = subs if len(subs) <= width else subs[: width - 1] + "…"
        lines.append(f"{r.id:<8} {r.status:<30} {r.kind[:30]:<30} {subs}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the ledger; --json prints every row in full; --write writes reports/claims.md, reports/claims.json and
    reports/dependencies.json."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check ledger", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print every row (id, claim, source, kind, status, evidence, sub-statements)")
    parser.add_argument("--write", action="store_true", help="write reports/claims.md, reports/claims.json and "
                        "reports/dependencies.json")
    parser.add_argument("--audit", action="store_true", help="the equation-level audit and its coverage instead")
    args = parser.parse_args(argv)
    table = ledger.rows()
    if args.audit:
        return audit.main(table, as_json=args.json)
    if args.json:
        print(ledger.serialise(table), end="")
    else:
        print(table_text(table))
    if args.write:
        for path in ledger.write(table):
            print(f"wrote {path}")
    return 0

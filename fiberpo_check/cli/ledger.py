"""`python -m fiberpo_check ledger [--json] [--write] [--audit]`: the claims ledger from every producer's verdicts."""

from __future__ import annotations

import argparse

from fiberpo_check.verification import audit, ledger


def table_text(table: list[dict], width: int = 90) -> str:
    """A fixed-width table: id, status, kind and the start of the evidence."""
    lines = [f"{'id':<8} {'status':<30} {'kind':<30} sub-statements"]
    for r in table:
        subs = "; ".join(f"{s['id'].split('/', 1)[-1]}: {s['status']}" for s in r["substatements"]) or r["evidence"]
        subs = subs if len(subs) <= width else subs[: width - 1] + "…"
        lines.append(f"{r['id']:<8} {r['status']:<30} {r['kind'][:30]:<30} {subs}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the ledger; --json prints every row in full; --write writes reports/claims.md and reports/claims.json,
    and renders the audit and docs/errata.md again with the ledger's current statuses."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check ledger", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print every row (id, claim, source, kind, status, evidence, sub-statements)")
    parser.add_argument("--write", action="store_true", help="write reports/claims.md and reports/claims.json; render "
                        "derivations/out/audit.{md,tex}, all.tex and docs/errata.md with the ledger's statuses")
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
        if audit.AUDIT_JSON.exists():  # linked audit rows take the statuses every producer has reported by now
            from derivations.audit import write_rendered
            from derivations.build import write_all_tex

            write_rendered(audit.rows(ledger_rows=table))
            print(f"wrote {audit.AUDIT_JSON.parent}/audit.{{md,tex}} and {audit.ERRATA}")
            # the claims no derivation checks are listed in all.tex with the ledger's status
            print(f"wrote {write_all_tex(audit.AUDIT_JSON.parent, {r['id']: r for r in table})}")
    return 0

"""The self-contained HTML report: the claims table with verdicts and evidence, every figure embedded."""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path

from .plots.registry import load_all
from .plots.style import FIGURE_DIR
from .verdicts import ROOT

REPORT_DIR = ROOT / "reports"
README = ROOT / "README.md"
CLAIMS_START, CLAIMS_END = "<!-- claims-table:start -->", "<!-- claims-table:end -->"

STATUS_COLORS = {
    "proved": "#009E73",
    "verified-exhaustively": "#56B4E9",
    "reproduced-in-miniature": "#56B4E9",
    "supported-under-metric": "#56B4E9",
    "holds-with-conditions": "#E69F00",
    "approximate": "#F0E442",
    "typo": "#F0E442",
    "refuted": "#D55E00",
    "inconsistent": "#CC79A7",
    "not-reproduced-in-miniature": "#E69F00",
    "opposite-tendency-in-miniature": "#D55E00",
    "not-supported-under-metric": "#E69F00",
    "not-yet-checked": "#BBBBBB",
}

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.5em; vertical-align: top; text-align: left; }
.status { padding: 0.1em 0.5em; border-radius: 0.6em; white-space: nowrap; }
figure { display: inline-block; width: 48%; margin: 0.5em 0.5%; vertical-align: top; }
figure img { width: 100%; } figcaption { font-size: 0.85em; }
"""


def relative(path: Path, page_dir: Path) -> str:
    """A link from a page in `page_dir` to `path`, as a relative URL."""
    return Path(os.path.relpath(path, page_dir)).as_posix()


def evidence_links(claim_id: str, page_dir: Path) -> list[tuple[str, str]]:
    """Links (label, relative URL) to the derivation files that carry evidence for a claim."""
    group = claim_id.split("-")[0].lower()
    out = ROOT / "derivations" / "out"
    candidates = [("derivation", out / f"{group}.md"), ("LaTeX", out / f"{group}.tex")]
    return [(label, relative(path, page_dir)) for label, path in candidates if path.exists()]


def claims_rows(claims: list[dict], page_dir: Path) -> str:
    """HTML table rows of the ledger."""
    out = []
    for row in claims:
        color = STATUS_COLORS.get(row["status"], "#BBBBBB")
        links = " ".join(f'<a href="{html.escape(href)}">{label}</a>' for label, href in evidence_links(row["id"], page_dir))
        out.append(
            f"<tr><td><b>{html.escape(row['id'])}</b></td><td>{html.escape(row.get('source', ''))}</td>"
            f"<td>{html.escape(row.get('kind', ''))}</td>"
            f'<td><span class="status" style="background:{color}">{html.escape(row["status"])}</span></td>'
            f"<td>{html.escape(str(row.get('evidence', '')))} {links}</td></tr>"
        )
    return "\n".join(out)


def figure_blocks(figure_dir: Path, page_dir: Path) -> str:
    """<figure> elements with each PNG embedded as a data URI and links to its PDF and provenance sidecar."""
    captions = {name: spec.caption for name, spec in load_all().items()}
    blocks = []
    for png in sorted(figure_dir.glob("*.png")):
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        caption = captions.get(png.stem, png.stem)
        pdf, sidecar = relative(png.with_suffix(".pdf"), page_dir), relative(png.with_suffix(".json"), page_dir)
        blocks.append(
            f'<figure id="{png.stem}"><img alt="{html.escape(png.stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption><b>{html.escape(png.stem)}</b>: {html.escape(caption)} "
            f'(<a href="{pdf}">PDF</a>, <a href="{sidecar}">provenance</a>)</figcaption></figure>'
        )
    return "\n".join(blocks)


def write_report(
    claims_json: Path = REPORT_DIR / "claims.json", figure_dir: Path = FIGURE_DIR, out: Path = REPORT_DIR / "index.html"
) -> Path:
    """Write the HTML report from the ledger's claims.json and the figures directory."""
    if not claims_json.exists():
        raise FileNotFoundError(f"{claims_json} is missing: run `python -m fiberpo_check ledger --write` first")
    claims = json.loads(claims_json.read_text())
    counts: dict[str, int] = {}
    for row in claims:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    figures = figure_blocks(figure_dir, out.parent)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>fiberpo-check report</title>
<style>{STYLE}</style></head><body>
<h1>fiberpo-check: claims of <i>Fibration Policy Optimization</i> (arXiv 2603.08239)</h1>
<p>{len(claims)} claims: {html.escape(summary)}. Every verdict below was computed by the toolkit.</p>
<table><tr><th>id</th><th>source</th><th>kind</th><th>status</th><th>evidence</th></tr>
{claims_rows(claims, out.parent)}
</table>
<h2>Figures</h2>
{figures}
</body></html>
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page)
    return out


def substatement_summary(row: dict, width: int = 220) -> str:
    """Each sub-statement of a row with its role, status and engines, cut to `width`, safe in a Markdown cell."""
    text = "; ".join(f"{s['id'].split('/', 1)[-1]} ({s['role']}): {s['status']}" + (f" [{s['engine']}]" if s["engine"]
                                                                                     else "")
                     for s in row.get("substatements", [])) or row["evidence"]
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


def readme_claims_table(claims: list[dict]) -> str:
    """The README's claims table (id, claim, row status, sub-statements), generated from the ledger rows."""
    lines = [CLAIMS_START, "| id | claim (source) | status | sub-statements: status [engines] |", "|---|---|---|---|"]
    for row in claims:
        claim = f"{row.get('claim', '')} ({row.get('source', '')})".replace("|", "\\|")
        lines.append(f"| {row['id']} | {claim} | **{row['status']}** | {substatement_summary(row)} |")
    return "\n".join(lines + [CLAIMS_END])


def update_readme(claims_json: Path = REPORT_DIR / "claims.json", readme: Path = README) -> Path:
    """Replace the claims table between the README's markers with one rendered from claims.json."""
    text = readme.read_text()
    if CLAIMS_START not in text or CLAIMS_END not in text:
        raise ValueError(f"{readme}: the claims-table markers are missing")
    head, rest = text.split(CLAIMS_START, 1)
    _, tail = rest.split(CLAIMS_END, 1)
    readme.write_text(head + readme_claims_table(json.loads(claims_json.read_text())) + tail)
    return readme

"""The self-contained HTML report: the claims table (statements, verdicts, evidence, sub-statements, the derivation
that holds each claim), the equation-level audit when present, and every figure embedded; one file, movable."""

from __future__ import annotations

import base64
import datetime
import html
import json
import re
import struct
from pathlib import Path

from fiberpo_check.paths import DERIVATIONS_OUT, README, REPORTS, RESULTS
from fiberpo_check.plots.registry import load_all
from fiberpo_check.plots.style import FIGURE_DIR, git_commit, git_dirty, package_versions

REPORT_DIR = REPORTS
AUDIT_JSON = REPORT_DIR / "audit.json"
EXPERIMENT_SUMMARY = RESULTS / "experiments" / "summary.json"
CLAIMS_START, CLAIMS_END = "<!-- claims-table:start -->", "<!-- claims-table:end -->"
FIGURES_START, FIGURES_END = "<!-- figures-table:start -->", "<!-- figures-table:end -->"

# One colour per status of the vocabulary (SPEC §2); math statuses first, then empirical, then not-yet-checked.
STATUS_COLORS = {
    "proved": "#1b9e77",
    "verified-exhaustively": "#66c2a5",
    "verified-bounded": "#b8e186",
    "holds-with-conditions": "#fdb863",
    "approximate": "#fee08b",
    "refuted": "#d7301f",
    "inconsistent": "#c51b7d",
    "typo": "#b2abd2",
    "reproduced-in-miniature": "#4dac26",
    "not-reproduced-in-miniature": "#bababa",
    "opposite-tendency-in-miniature": "#f4a582",
    "supported-under-metric": "#a6dba0",
    "not-supported-under-metric": "#fdae61",
    "not-yet-checked": "#e0e0e0",
}
UNKNOWN_STATUS = "#ffffff"  # a status outside the vocabulary shows white with a dashed border
LIGHT_TEXT = {"refuted", "inconsistent", "proved"}  # dark backgrounds get white text

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1400px; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; font-size: 0.88em; table-layout: fixed; }
#claims col.id { width: 5.5em; } #claims col.claim { width: 30%; } #claims col.kind { width: 8em; }
#claims col.status { width: 12.5em; } #claims col.held { width: 13em; }
#audit-table col.section { width: 6em; } #audit-table col.page { width: 3.5em; } #audit-table col.id { width: 7em; }
#audit-table col.kind { width: 7em; } #audit-table col.status { width: 11em; }
td { overflow-wrap: anywhere; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.5em; vertical-align: top; text-align: left; }
th { background: #f4f4f4; position: sticky; top: 0; }
.status { padding: 0.1em 0.5em; border-radius: 0.6em; white-space: nowrap; font-size: 0.92em; }
.status.unknown { border: 1px dashed #888; }
.meta { background: #f7f7f7; padding: 0.6em 1em; border-radius: 0.4em; font-size: 0.88em; table-layout: auto; }
.meta td { border: none; padding: 0.1em 0.8em 0.1em 0; }
.filters { margin: 0.6em 0; font-size: 0.9em; } .filters select, .filters input { margin-right: 1em; }
.legend span { margin-right: 0.4em; display: inline-block; margin-bottom: 0.3em; }
table.sub { font-size: 0.95em; background: #fafafa; } table.sub td { border-color: #eee; }
table.sub col.sub-id { width: 12em; } table.sub col.sub-text { width: 40%; } table.sub col.sub-status { width: 12.5em; }
tr.subrow > td { border-bottom: 1px solid #bbb; padding-top: 0; }
details summary { cursor: pointer; color: #0b5394; }
.deriv { border-left: 3px solid #ccc; padding: 0.2em 1em; margin: 1em 0; font-size: 0.9em; }
.deriv p { margin: 0.3em 0; }
.figures { display: flex; flex-wrap: wrap; gap: 1.2em; }
figure { margin: 0; flex: 0 1 660px; max-width: 100%; }
figure.wide { flex: 1 1 100%; }
figure img { width: 100%; cursor: zoom-in; border: 1px solid #eee; }
figure.wide img { max-width: 1250px; }
figcaption { font-size: 0.85em; }
#zoom { display: none; position: fixed; inset: 0; background: rgba(0,0,0,0.85); z-index: 10; cursor: zoom-out; }
#zoom img { max-width: 98vw; max-height: 98vh; margin: auto; display: block; position: relative; top: 50%;
            transform: translateY(-50%); background: white; }
"""

SCRIPT = """
function applyFilters(table) {
  const selects = document.querySelectorAll('[data-filter="' + table + '"]');
  let shown = 0, total = 0;
  let shownAbove = true;  // a sub-statement row follows the claim row above it
  document.querySelectorAll('#' + table + ' > tbody > tr').forEach(row => {
    if (row.classList.contains('subrow')) { row.style.display = shownAbove ? '' : 'none'; return; }
    const next = row.nextElementSibling;
    const text = row.textContent + (next && next.classList.contains('subrow') ? next.textContent : '');
    let ok = true;
    selects.forEach(s => {
      const want = s.value.toLowerCase();
      if (!want) return;
      const have = s.dataset.col === 'text' ? text.toLowerCase() : (row.dataset[s.dataset.col] || '');
      ok = ok && (s.dataset.col === 'text' ? have.includes(want) : have === want);
    });
    row.style.display = ok ? '' : 'none';
    shownAbove = ok;
    total += 1; shown += ok ? 1 : 0;
  });
  const count = document.getElementById(table + '-count');
  if (count) count.textContent = shown + ' of ' + total + ' rows shown';
}
document.querySelectorAll('[data-filter]').forEach(s =>
  s.addEventListener('input', () => applyFilters(s.dataset.filter)));
document.querySelectorAll('figure img').forEach(img => img.addEventListener('click', () => {
  const zoom = document.getElementById('zoom');
  zoom.querySelector('img').src = img.src; zoom.style.display = 'block';
}));
document.getElementById('zoom').addEventListener('click', e => { e.currentTarget.style.display = 'none'; });
"""


def esc(value) -> str:
    """Text made safe for HTML."""
    return html.escape(str(value), quote=True)


def status_badge(status: str) -> str:
    """A coloured pill for a status; a status outside the vocabulary gets a dashed outline."""
    color = STATUS_COLORS.get(status, UNKNOWN_STATUS)
    extra = "" if status in STATUS_COLORS else " unknown"
    text = "white" if status in LIGHT_TEXT else "#111"
    return f'<span class="status{extra}" style="background:{color};color:{text}">{esc(status)}</span>'


def section_of(claim_id: str) -> str:
    """The claim group of an id: 'FPO' for 'FPO-10'."""
    return claim_id.rsplit("-", 1)[0]


def markdown_html(text: str) -> str:
    """The small Markdown subset the derivations write (paragraphs, numbered lines, bold, italics) as HTML."""
    out = []
    for line in text.strip().splitlines():
        line = esc(line)
        line = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", line)
        line = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", line)
        if line.strip():
            out.append(f"<p>{line}</p>")
    return "\n".join(out)


def derivation_sections(out_dir: Path = DERIVATIONS_OUT) -> dict[str, tuple[str, str]]:
    """Per claim id: (file name, Markdown) of the derivation section headed by that id (`## ID ...`)."""
    sections = {}
    for path in sorted(out_dir.glob("*.md")):
        for block in re.split(r"^## ", path.read_text(), flags=re.M)[1:]:
            heading, _, body = block.partition("\n")
            claim_id = heading.split()[0] if heading.split() else ""
            if re.fullmatch(r"[A-Z]+-\d+", claim_id):
                sections[claim_id] = (path.name, f"**{heading.strip()}**\n{body}")
    return sections


def substatement_table(row: dict) -> str:
    """The claim's sub-statements (id, statement and source, status, evidence), or '' when the ledger has none."""
    subs = row.get("substatements") or []
    if not subs:
        return ""
    lines = "".join(
        f"<tr><td>{esc(s.get('id', '')).replace('/', '/<wbr>')}</td><td>{esc(s.get('text', ''))} "
        f"<i>{esc(s.get('source', ''))}</i></td><td>{status_badge(s.get('status', 'not-yet-checked'))}</td>"
        f"<td>{esc(s.get('evidence', ''))}</td></tr>"
        for s in subs
    )
    return ('<table class="sub"><colgroup><col class="sub-id"><col class="sub-text"><col class="sub-status"><col></colgroup>'
            f"<tr><th>sub-statement</th><th>statement</th><th>status</th><th>evidence</th></tr>{lines}</table>")


def evidence_cell(row: dict, width: int = 320) -> str:
    """The start of the deciding producer's evidence; the whole evidence of every producer folded below it."""
    parts = [part.strip() for part in str(row.get("evidence", "")).split(" || ") if part.strip()]
    if not parts:
        return ""
    deciding = next((p for p in parts if p.split("]", 1)[0].endswith(f": {row['status']}")), parts[0])
    if len(parts) == 1 and len(deciding) <= width:
        return esc(deciding)
    short = deciding if len(deciding) <= width else deciding[: width - 1] + "…"
    everything = "".join(f"<p>{esc(p)}</p>" for p in [deciding] + [p for p in parts if p is not deciding])
    return f"{esc(short)}<details><summary>full evidence ({len(parts)} producer(s))</summary>{everything}</details>"


PRODUCER_OUTPUTS = {"verify": "results/verify/", "experiments": "results/experiments/"}


def claim_links(row: dict, sections: dict, figures_by_claim: dict[str, list[str]]) -> str:
    """In-page links to the derivation that holds the claim and to the figures that show it; where a numeric or
    empirical producer decided it, the folder its results are in (beside the repository, not in this page)."""
    claim_id, links = row["id"], []
    links += [f"<small>{esc(name)}: {esc(PRODUCER_OUTPUTS[name])}</small>" for name in row.get("producers", [])
              if name in PRODUCER_OUTPUTS]
    if claim_id in sections:
        links.append(f'<a href="#deriv-{esc(claim_id)}">derivation ({esc(sections[claim_id][0])})</a>')
    links += [f'<a href="#fig-{esc(name)}">figure {esc(name)}</a>' for name in figures_by_claim.get(claim_id, [])]
    return "<br>".join(links)


def claims_table(claims: list[dict], sections: dict, figures_by_claim: dict[str, list[str]]) -> str:
    """The ledger as a filterable table: id, statement (+ sub-statements), kind, status, evidence, where it is held."""
    rows = "\n".join(
        f'<tr id="claim-{esc(row["id"])}" data-section="{esc(section_of(row["id"]).lower())}" '
        f'data-status="{esc(row["status"])}"><td><b>{esc(row["id"])}</b></td>'
        f"<td>{esc(row.get('claim', ''))} <i>({esc(row.get('source', ''))})</i></td>"
        f"<td>{esc(row.get('kind', ''))}</td><td>{status_badge(row['status'])}</td><td>{evidence_cell(row)}</td>"
        f"<td>{claim_links(row, sections, figures_by_claim)}</td></tr>"
        + (f'<tr class="subrow"><td></td><td colspan="5">{table}</td></tr>' if (table := substatement_table(row)) else "")
        for row in claims
    )
    sections_seen = sorted({section_of(row["id"]) for row in claims})
    return (filters("claims", sections_seen, [row["status"] for row in claims])
            + '<table id="claims"><colgroup><col class="id"><col class="claim"><col class="kind"><col class="status">'
            + '<col class="evidence"><col class="held"></colgroup>'
            + '<thead><tr><th>id</th><th>claim (source)</th><th>kind</th><th>status</th>'
            + f"<th>evidence</th><th>held in</th></tr></thead><tbody>\n{rows}\n</tbody></table>")


def filters(table: str, sections: list[str], statuses: list[str]) -> str:
    """Section and status drop-downs and a text search for one table."""
    def select(col: str, values: list[str]) -> str:
        options = "".join(f'<option value="{esc(v.lower())}">{esc(v)}</option>' for v in sorted(set(values)))
        return f'<select data-filter="{table}" data-col="{col}"><option value="">all</option>{options}</select>'

    return (f'<div class="filters">section {select("section", sections)} status {select("status", statuses)} '
            f'search <input data-filter="{table}" data-col="text" placeholder="text"> '
            f'<span id="{table}-count"></span></div>')


def audit_table(audit: list[dict]) -> str:
    """The equation-level audit as a filterable table (nothing when the ledger has none)."""
    if not audit:
        return ""
    counts: dict[str, int] = {}
    for row in audit:
        counts[row.get("status", "")] = counts.get(row.get("status", ""), 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    rows = "\n".join(
        f'<tr data-section="{esc(str(r.get("section", "")).lower())}" data-status="{esc(r.get("status", ""))}">'
        f"<td>{esc(r.get('section', ''))}</td><td>{esc(r.get('page', ''))}</td><td>{esc(r.get('id', ''))}</td>"
        f"<td>{esc(r.get('quote', ''))}</td><td>{esc(r.get('kind', ''))}</td>"
        f"<td>{status_badge(r.get('status', 'not-yet-checked'))}</td><td>{esc(r.get('evidence', ''))}</td></tr>"
        for r in audit
    )
    return (f'<h2 id="audit">Equation-level audit</h2><p>{len(audit)} rows: {esc(summary)}.</p>'
            + filters("audit-table", [str(r.get("section", "")) for r in audit], [r.get("status", "") for r in audit])
            + '<table id="audit-table"><colgroup><col class="section"><col class="page"><col class="id">'
            + '<col class="quote"><col class="kind"><col class="status"><col class="evidence"></colgroup>'
            + '<thead><tr><th>section</th><th>page</th><th>id</th><th>quote</th><th>kind</th>'
            + f"<th>status</th><th>evidence</th></tr></thead><tbody>\n{rows}\n</tbody></table>")


def derivations_block(claims: list[dict], sections: dict) -> str:
    """Every derivation section a claim row links to, embedded (so the links work wherever the file is)."""
    blocks = [
        f'<div class="deriv" id="deriv-{esc(row["id"])}">{markdown_html(sections[row["id"]][1])}'
        f'<p><a href="#claim-{esc(row["id"])}">back to {esc(row["id"])}</a> · source: derivations/out/'
        f"{esc(sections[row['id']][0])}</p></div>"
        for row in claims
        if row["id"] in sections
    ]
    return '<h2 id="derivations">Derivations</h2>' + "\n".join(blocks) if blocks else ""


def png_width(data: bytes) -> int:
    """Pixel width of a PNG from its header."""
    return struct.unpack(">I", data[16:20])[0]


def figure_blocks(figure_dir: Path) -> str:
    """<figure> elements: each PNG embedded as a data URI (click to enlarge), caption, claims and provenance."""
    specs = load_all()
    blocks = []
    for png in sorted(figure_dir.glob("*.png")):
        data = png.read_bytes()
        spec = specs.get(png.stem)
        sidecar = json.loads(png.with_suffix(".json").read_text()) if png.with_suffix(".json").exists() else {}
        claims = " ".join(f'<a href="#claim-{esc(c)}">{esc(c)}</a>' for c in (spec.claims if spec else ()))
        drawn_from = (f"results of the <b>{esc(sidecar['preset'])}</b> preset" if sidecar.get("preset")
                      else "the toolkit's formulas")
        provenance = (f"drawn from {drawn_from}; data SHA-256 {esc(str(sidecar.get('data_sha256', '?'))[:12])}; "
                      f"commit {esc(str(sidecar.get('git_commit', '?'))[:10])}"
                      f"{' (uncommitted changes)' if sidecar.get('git_dirty') else ''}")
        wide = " wide" if png_width(data) > 1000 else ""
        blocks.append(
            f'<figure id="fig-{esc(png.stem)}" class="{wide.strip()}"><img alt="{esc(png.stem)}" '
            f'src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'
            f"<figcaption><b>{esc(png.stem)}</b>: {esc(spec.caption if spec else '')} "
            f"{'· claims ' + claims if claims else ''}<br><small>{provenance}; vector PDF: figures/{esc(png.stem)}.pdf"
            f"</small></figcaption></figure>"
        )
    return '<div class="figures">' + "\n".join(blocks) + "</div>"


def run_presets(figure_dir: Path) -> str:
    """Which presets the results in the report come from (experiments, verify, figures)."""
    from fiberpo_check.verification.checks.figures import verify_preset

    parts = []
    if EXPERIMENT_SUMMARY.exists():
        parts.append(f"experiments: {json.loads(EXPERIMENT_SUMMARY.read_text()).get('preset', '?')}")
    parts.append(f"verify: {verify_preset(RESULTS / 'verify') or 'not run'}")
    drawn = sorted({json.loads(p.read_text()).get("preset") or "formulas" for p in figure_dir.glob("*.json")})
    parts.append(f"figures drawn from: {', '.join(drawn) if drawn else 'no figures'}")
    return "; ".join(parts)


def header(figure_dir: Path) -> str:
    """Commit, date, presets and package versions of this report."""
    dirty = git_dirty()
    versions = ", ".join(f"{name} {version}" for name, version in package_versions().items())
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [("commit", git_commit() + (" (with uncommitted changes)" if dirty else "")), ("written", now),
            ("presets", run_presets(figure_dir)), ("versions", versions)]
    cells = "".join(f"<tr><td><b>{k}</b></td><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="meta">{cells}</table>'


def legend() -> str:
    """Every status colour with its name."""
    return '<p class="legend">' + "".join(status_badge(s) for s in STATUS_COLORS) + "</p>"


def load_ledger(claims_json: Path, audit_json: Path) -> tuple[list[dict], list[dict]]:
    """Claims and audit rows: claims.json is a list of claims or {"claims": [...], "audit": [...]}; audit.json
    (a list) is read when present."""
    if not claims_json.exists():
        raise FileNotFoundError(f"{claims_json} is missing: run `python -m fiberpo_check ledger --write` first")
    payload = json.loads(claims_json.read_text())
    claims, audit = (payload, []) if isinstance(payload, list) else (payload["claims"], payload.get("audit") or [])
    if not audit and audit_json.exists():
        audit = json.loads(audit_json.read_text())
        audit = audit["rows"] if isinstance(audit, dict) else audit
    return claims, audit


def write_report(
    claims_json: Path = REPORT_DIR / "claims.json",
    figure_dir: Path = FIGURE_DIR,
    out: Path = REPORT_DIR / "index.html",
    audit_json: Path = AUDIT_JSON,
    derivations_dir: Path = DERIVATIONS_OUT,
) -> Path:
    """Write the one-file HTML report from the ledger, the derivations and the figures directory."""
    claims, audit = load_ledger(claims_json, audit_json)
    counts: dict[str, int] = {}
    for row in claims:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    sections = derivation_sections(derivations_dir)
    figures_by_claim: dict[str, list[str]] = {}
    for png in sorted(figure_dir.glob("*.png")):
        spec = load_all().get(png.stem)
        for claim in spec.claims if spec else ():
            figures_by_claim.setdefault(claim, []).append(png.stem)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>fiberpo-check report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head><body>
<h1>fiberpo-check: the claims of <i>Fibration Policy Optimization</i> (arXiv 2603.08239), re-checked</h1>
{header(figure_dir)}
<p>{len(claims)} claims: {esc(summary)}. Every verdict below was computed by the toolkit; none is typed in.
Contents: <a href="#claims">claims</a>{' · <a href="#audit">audit</a>' if audit else ''} ·
<a href="#derivations">derivations</a> · <a href="#figures">figures</a>.</p>
{legend()}
<h2>Claims</h2>
{claims_table(claims, sections, figures_by_claim)}
{audit_table(audit)}
{derivations_block(claims, sections)}
<h2 id="figures">Figures</h2>
<p>Click a figure to enlarge it.</p>
{figure_blocks(figure_dir)}
<div id="zoom"><img alt="enlarged figure"></div>
<script>{SCRIPT}</script>
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


def readme_figures_table() -> str:
    """The README's figures table (name, what it shows, what it is drawn from), generated from the registry."""
    drawn_from = {None: "formulas (no stored results)", "experiments": "`make experiments` results of the preset",
                  "verify": "`make verify` results of the preset"}
    lines = [FIGURES_START, "| figure | what it shows | drawn from | claims |", "|---|---|---|---|"]
    for name, spec in sorted(load_all().items()):
        caption = spec.caption.replace("|", "\\|")
        lines.append(f"| `{name}` | {caption} | {drawn_from[spec.needs]} | {', '.join(spec.claims)} |")
    return "\n".join(lines + [FIGURES_END])


def replace_block(text: str, start: str, end: str, block: str, where: Path) -> str:
    """`text` with the part from marker `start` to marker `end` replaced by `block` (which carries the markers)."""
    if start not in text or end not in text:
        raise ValueError(f"{where}: the markers {start} ... {end} are missing")
    head, rest = text.split(start, 1)
    return head + block + rest.split(end, 1)[1]


def update_readme(claims_json: Path = REPORT_DIR / "claims.json", readme: Path = README) -> Path:
    """Regenerate the README's claims table (from claims.json) and figures table (from the registry)."""
    claims, _ = load_ledger(claims_json, AUDIT_JSON)
    text = replace_block(readme.read_text(), CLAIMS_START, CLAIMS_END, readme_claims_table(claims), readme)
    readme.write_text(replace_block(text, FIGURES_START, FIGURES_END, readme_figures_table(), readme))
    return readme

"""The self-contained HTML report: the claims table (statements, verdicts, evidence, sub-statements, the derivation
that holds each claim, its ancestors), the dependency graph, the equation-level audit linked to its errata and
certificates, the derivations with their math rendered by inlined KaTeX, and every figure embedded; one file,
movable, nothing fetched at view time."""

from __future__ import annotations

import base64
import datetime
import html
import json
import re
import struct
from pathlib import Path

from fiberpo_check import paths
from fiberpo_check.plots.registry import load_all
from fiberpo_check.plots.style import git_commit, git_dirty, package_versions
from fiberpo_check.presentation.dependency_graph import ancestors, claim_graph
from fiberpo_check.presentation.offline_math import katex_head
from fiberpo_check.vocabulary.result_rows import AuditTableRow, ClaimRow
from fiberpo_check.vocabulary.verdicts import Status

CLAIMS_START, CLAIMS_END = "<!-- claims-table:start -->", "<!-- claims-table:end -->"
FIGURES_START, FIGURES_END = "<!-- figures-table:start -->", "<!-- figures-table:end -->"

# One colour per status of the vocabulary (docs/verdicts.md); math statuses first, then empirical, then not-yet-checked.
STATUS_COLORS = {
    Status.PROVED: "#1b9e77",
    Status.VERIFIED_EXHAUSTIVELY: "#66c2a5",
    Status.VERIFIED_BOUNDED: "#b8e186",
    Status.HOLDS_WITH_CONDITIONS: "#fdb863",
    Status.APPROXIMATE: "#fee08b",
    Status.REFUTED: "#d7301f",
    Status.INCONSISTENT: "#c51b7d",
    Status.TYPO: "#b2abd2",
    Status.REPRODUCED: "#4dac26",
    Status.NOT_REPRODUCED: "#bababa",
    Status.OPPOSITE_TENDENCY: "#f4a582",
    Status.SUPPORTED: "#a6dba0",
    Status.NOT_SUPPORTED: "#fdae61",
    Status.INCONCLUSIVE: "#d9d9d9",
    Status.NOT_YET_CHECKED: "#e0e0e0",
}
LIGHT_TEXT = {Status.REFUTED, Status.INCONSISTENT, Status.PROVED}  # dark backgrounds get white text

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1400px; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; font-size: 0.88em; table-layout: fixed; }
#claims col.id { width: 5.5em; } #claims col.claim { width: 30%; } #claims col.kind { width: 8em; }
#claims col.status { width: 12.5em; } #claims col.held { width: 13em; }
#audit-table col.section { width: 6em; } #audit-table col.page { width: 3.5em; } #audit-table col.id { width: 7em; }
#audit-table col.kind { width: 7em; } #audit-table col.status { width: 11em; } #audit-table col.links { width: 11em; }
#graph { width: 100%; max-width: 1100px; font-size: 11px; } #graph .edge { fill: none; stroke: #aaa; stroke-width: 1; }
#graph .edge.hot { stroke: #d7301f; stroke-width: 2; } #graph .node.hot rect { stroke: #d7301f; stroke-width: 2.5; }
#graph text.col { font-weight: bold; fill: #444; }
td { overflow-wrap: anywhere; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.5em; vertical-align: top; text-align: left; }
th { background: #f4f4f4; position: sticky; top: 0; }
.status { padding: 0.1em 0.5em; border-radius: 0.6em; white-space: nowrap; font-size: 0.92em; }
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
function highlight(id, on) {  // a claim and everything it rests on
  const seen = new Set([id]), stack = [id];
  while (stack.length) (ANCESTORS[stack.pop()] || []).forEach(a => { if (!seen.has(a)) { seen.add(a); stack.push(a); } });
  document.querySelectorAll('#graph .node').forEach(n => n.classList.toggle('hot', on && seen.has(n.dataset.id)));
  document.querySelectorAll('#graph .edge').forEach(e =>
    e.classList.toggle('hot', on && seen.has(e.dataset.to) && seen.has(e.dataset.from)));
}
document.querySelectorAll('#graph .node').forEach(n => {
  n.addEventListener('mouseenter', () => highlight(n.dataset.id, true));
  n.addEventListener('mouseleave', () => highlight(n.dataset.id, false));
});
"""


def esc(value) -> str:
    """Text made safe for HTML."""
    return html.escape(str(value), quote=True)


SCRIPT_HTML = re.compile(r"(?<=[\w)\]|‖*⁺⁻̂])([_^])(\([^()\s]*\)|\{[^{}\s]*\}|[A-Za-z0-9+\-αβγδεθκλμπρστφψωℓ\u0302\u0303\u0304]+)")


def script_tag(match: re.Match) -> str:
    """One matched _x or ^(…) as <sub>/<sup> (outer brackets dropped)."""
    tag = "sub" if match.group(1) == "_" else "sup"
    body = match.group(2)
    body = body[1:-1] if body[0] in "({" else body
    return f"<{tag}>{body}</{tag}>"


def notation_html(text) -> str:
    """Text of the paper's notation as HTML: x_i, D_TV^max, δ^(APC-Obj), n_(s,a) with real sub- and superscripts."""
    return SCRIPT_HTML.sub(script_tag, esc(text))


def status_badge(status: Status) -> str:
    """A coloured pill for a status."""
    text = "white" if status in LIGHT_TEXT else "#111"
    return f'<span class="status" style="background:{STATUS_COLORS[status]};color:{text}">{esc(status)}</span>'


def section_of(claim_id: str) -> str:
    """The claim group of an id: 'FPO' for 'FPO-10'."""
    return claim_id.rsplit("-", 1)[0]


MATH_SPAN = re.compile(r"(\$\$.+?\$\$|\$[^$]+\$)")


def inline_markup(text: str) -> str:
    """Code, bold and italics of one escaped line, outside math ($…$ is left to KaTeX); an asterisk inside a word
    (t*, Δ̂*) is a character, not markup."""
    pieces = MATH_SPAN.split(text)
    for k in range(0, len(pieces), 2):
        parts = re.split(r"(`[^`]+`)", pieces[k])  # code spans keep their underscores
        piece = "".join(f"<code>{p[1:-1]}</code>" if p.startswith("`") else SCRIPT_HTML.sub(script_tag, p)
                        for p in parts)
        piece = re.sub(r"(?<![^\s(•])\*\*(\S.*?)\*\*(?=[\s).,:;]|$)", r"<b>\1</b>", piece)
        pieces[k] = re.sub(r"(?<![^\s(])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?=[\s).,:;]|$)", r"<i>\1</i>", piece)
    return "".join(pieces)


def markdown_html(text: str) -> str:
    """The small Markdown subset the derivations write (paragraphs, bullets, code, bold, italics; math left to
    KaTeX) as HTML."""
    out = []
    for line in text.strip().splitlines():
        depth = (len(line) - len(line.lstrip(" "))) // 2
        line = esc(line.strip())
        if line.startswith("- "):
            line = f'<span style="margin-left:{1.2 * depth}em">•</span> ' + line[2:]
        line = inline_markup(line)
        if line.strip():
            out.append(f"<p>{line}</p>")
    return "\n".join(out)


def derivation_sections(out_dir: Path | None = None) -> dict[str, tuple[str, str]]:
    """Per claim id: (file name, Markdown) of the derivation section headed by that id (`## ID ...`)."""
    sections = {}
    for path in sorted((out_dir or paths.DERIVATIONS_OUT).glob("*.md")):
        for block in re.split(r"^## ", path.read_text(), flags=re.M)[1:]:
            heading, _, body = block.partition("\n")
            claim_id = heading.split()[0] if heading.split() else ""
            if re.fullmatch(r"[A-Z]+-\d+", claim_id):
                sections[claim_id] = (path.name, f"**{heading.strip()}**\n{body}")
    return sections


def substatement_table(row: ClaimRow) -> str:
    """The claim's sub-statements (id, statement and source, status, evidence), or '' when the ledger has none."""
    if not row.substatements:
        return ""
    lines = "".join(
        f"<tr><td>{esc(s.id).replace('/', '/<wbr>')}</td><td>{folded(s.text, render=notation_html)} "
        f"<i>{esc(s.source)}</i></td><td>{status_badge(s.status)}</td><td>{esc(s.evidence)}</td></tr>"
        for s in row.substatements
    )
    return ('<table class="sub"><colgroup><col class="sub-id"><col class="sub-text"><col class="sub-status"><col>'
            f"</colgroup><tr><th>sub-statement</th><th>statement</th><th>status</th><th>evidence</th></tr>{lines}</table>")


def folded(text: str, width: int = 240, render=esc) -> str:
    """Text cut to `width` characters, the rest folded below (a long formula does not fill the screen)."""
    text = str(text)
    if len(text) <= width:
        return render(text)
    return f"{render(text[: width - 1])}…<details><summary>whole statement</summary>{render(text)}</details>"


def evidence_cell(row: ClaimRow, width: int = 320) -> str:
    """The start of the deciding producer's evidence; the whole evidence of every producer folded below it."""
    parts = [part.strip() for part in row.evidence.split(" || ") if part.strip()]
    if not parts:
        return ""
    deciding = next((p for p in parts if p.split("]", 1)[0].endswith(f": {row.status}")), parts[0])
    if len(parts) == 1 and len(deciding) <= width:
        return esc(deciding)
    short = deciding if len(deciding) <= width else deciding[: width - 1] + "…"
    everything = "".join(f"<p>{esc(p)}</p>" for p in [deciding] + [p for p in parts if p is not deciding])
    return f"{esc(short)}<details><summary>full evidence ({len(parts)} producer(s))</summary>{everything}</details>"


PRODUCER_OUTPUTS = {"verify": "results/verify/", "experiments": "results/experiments/"}


def ancestors_cell(claim_id: str, above: dict, statuses: dict[str, Status]) -> str:
    """The claims and audit rows a claim rests on, folded (from the ledger's dependencies or the audit)."""
    mine = above.get(claim_id) or {}
    claims, rows = mine.get("claims", []), mine.get("rows", [])
    if not claims and not rows:
        return ""
    listed = " ".join(f'<a href="#claim-{esc(c)}">{esc(c)}</a> {status_badge(statuses.get(c, Status.NOT_YET_CHECKED))}'
                      for c in claims) or "none"
    row_links = ", ".join(f'<a href="#audit-{esc(anchor(r))}">{esc(r)}</a>' for r in rows)
    return (f"<details><summary>rests on {len(claims)} claim(s), {len(rows)} audit row(s)</summary>"
            f"<p>claims: {listed}</p><p>audit rows: {row_links or 'none'}</p></details>")


def anchor(row_id: str) -> str:
    """An HTML id fragment for an audit row id ('Lemma D.9' -> 'Lemma-D.9')."""
    return re.sub(r"[^A-Za-z0-9.:-]", "-", str(row_id))


def claim_links(row: ClaimRow, sections: dict, figures_by_claim: dict[str, list[str]]) -> str:
    """In-page links to the derivation that holds the claim and to the figures that show it; where a numeric or
    empirical producer decided it, the folder its results are in (beside the repository, not in this page)."""
    claim_id, links = row.id, []
    links += [f"<small>{esc(name)}: {esc(PRODUCER_OUTPUTS[name])}</small>" for name in row.producers
              if name in PRODUCER_OUTPUTS]
    if claim_id in sections:
        links.append(f'<a href="#deriv-{esc(claim_id)}">derivation ({esc(sections[claim_id][0])})</a>')
    links += [f'<a href="#fig-{esc(name)}">figure {esc(name)}</a>' for name in figures_by_claim.get(claim_id, [])]
    return "<br>".join(links)


def claims_table(claims: list[ClaimRow], sections: dict, figures_by_claim: dict[str, list[str]],
                 above: dict | None = None) -> str:
    """The ledger as a filterable table: id, statement (+ sub-statements), kind, status, evidence, where it is held
    and what it rests on."""
    above = above or {}
    statuses = {row.id: row.status for row in claims}
    rows = "\n".join(
        f'<tr id="claim-{esc(row.id)}" data-section="{esc(section_of(row.id).lower())}" '
        f'data-status="{esc(row.status)}"><td><b>{esc(row.id)}</b></td>'
        f"<td>{notation_html(row.claim)} <i>({esc(row.source)})</i></td>"
        f"<td>{esc(row.kind)}</td><td>{status_badge(row.status)}</td><td>{evidence_cell(row)}</td>"
        f"<td>{claim_links(row, sections, figures_by_claim)}{ancestors_cell(row.id, above, statuses)}</td></tr>"
        + (f'<tr class="subrow"><td></td><td colspan="5">{table}</td></tr>' if (table := substatement_table(row))
           else "")
        for row in claims
    )
    sections_seen = sorted({section_of(row.id) for row in claims})
    return (filters("claims", sections_seen, [row.status.value for row in claims])
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


def audit_links(row: AuditTableRow) -> str:
    """Links of an audit row: the claims it feeds (in this page)."""
    return " ".join(f'<a href="#claim-{esc(c)}">{esc(c)}</a>' for c in row.claims)


def audit_table(audit: list[AuditTableRow]) -> str:
    """The equation-level audit as a filterable table (nothing when the ledger has none)."""
    if not audit:
        return ""
    counts: dict[Status, int] = {}
    for row in audit:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    rows = "\n".join(
        f'<tr id="audit-{esc(anchor(r.id))}" data-section="{esc(r.section.lower())}" data-status="{esc(r.status)}">'
        f"<td>{esc(r.section)}</td><td>{esc(r.page)}</td><td>{esc(r.id)}</td>"
        f"<td>{notation_html(r.quote)}</td><td>{esc(r.kind)}</td>"
        f"<td>{status_badge(r.status)}</td><td>{folded(r.evidence, 320)}</td>"
        f"<td>{audit_links(r)}</td></tr>"
        for r in audit
    )
    return (f'<h2 id="audit">Equation-level audit</h2><p>{len(audit)} rows: {esc(summary)}. Errata: '
            '<a href="../docs/errata.md">docs/errata.md</a>; certificates: reports/certificates/.</p>'
            + filters("audit-table", [r.section for r in audit], [r.status.value for r in audit])
            + '<table id="audit-table"><colgroup><col class="section"><col class="page"><col class="id">'
            + '<col class="quote"><col class="kind"><col class="status"><col class="evidence"><col class="links">'
            + '</colgroup><thead><tr><th>section</th><th>page</th><th>id</th><th>quote</th><th>kind</th>'
            + f"<th>status</th><th>evidence</th><th>claims, errata</th></tr></thead><tbody>\n{rows}\n</tbody></table>")


def edge_path(source: tuple[int, int], target: tuple[int, int], width: int = 80, mid: int = 11) -> str:
    """An SVG path between two nodes that stays off the nodes: an arc left of the column within a column, else from
    the facing sides of the two nodes."""
    (x1, y1), (x2, y2) = source, target
    if x1 == x2:
        bulge = 18 + abs(y2 - y1) // 6
        return f"M{x1},{y1 + mid} C{x1 - bulge},{y1 + mid} {x2 - bulge},{y2 + mid} {x2},{y2 + mid}"
    if x2 > x1:
        x1, x2 = x1 + width, x2
    else:
        x2 = x2 + width
    bend = 30 if x2 > x1 else -30
    return f"M{x1},{y1 + mid} C{x1 + bend},{y1 + mid} {x2 - bend},{y2 + mid} {x2},{y2 + mid}"


def graph_svg(claims: list[ClaimRow], graph: dict[str, set[str]]) -> str:
    """The claim dependency graph: one column per claim group, a node per claim in its status colour (a link to its
    row), an arrow from each claim to the claims that rest on it."""
    groups = list(dict.fromkeys(section_of(c.id) for c in claims))
    place, col_w, row_h = {}, 130, 34
    for c in claims:
        column = groups.index(section_of(c.id))
        row = sum(1 for p in place if section_of(p) == section_of(c.id))
        place[c.id] = (40 + column * col_w, 40 + row * row_h)
    height = 60 + row_h * max(sum(1 for c in claims if section_of(c.id) == g) for g in groups)
    edges = []
    for target, sources in graph.items():
        for source in sorted(sources):
            if source in place and target in place:
                edges.append(f'<path class="edge" data-from="{esc(source)}" data-to="{esc(target)}" '
                             f'd="{edge_path(place[source], place[target])}" marker-end="url(#arrow)"/>')
    nodes = []
    for c in claims:
        x, y = place[c.id]
        color, text = STATUS_COLORS[c.status], "white" if c.status in LIGHT_TEXT else "#111"
        nodes.append(f'<a href="#claim-{esc(c.id)}"><g class="node" data-id="{esc(c.id)}">'
                     f'<rect x="{x}" y="{y}" width="80" height="22" rx="6" fill="{color}" stroke="#555"/>'
                     f'<text x="{x + 40}" y="{y + 15}" fill="{text}" text-anchor="middle">{esc(c.id)}</text>'
                     f"<title>{esc(c.id)}: {esc(c.status)}</title></g></a>")
    titles = "".join(f'<text x="{40 + i * col_w + 40}" y="24" text-anchor="middle" class="col">{esc(g)}</text>'
                     for i, g in enumerate(groups))
    return (f'<svg id="graph" viewBox="0 0 {40 + len(groups) * col_w} {height}" role="img">'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>'
            f"{titles}{''.join(edges)}{''.join(nodes)}</svg>")


def graph_section(claims: list[ClaimRow], audit: list[AuditTableRow]) -> str:
    """The dependency graph and how it was read; hovering a claim highlights its ancestors."""
    graph = claim_graph(claims, audit)
    if not any(graph.values()):
        return ""
    source = ("the ledger's dependencies" if any(c.ancestors for c in claims)
              else "the equation-level audit: a claim rests on the definitions its audit rows use")
    return (f'<h2 id="graph-section">Dependency graph</h2><p>Read from {esc(source)}. An arrow goes from a claim to '
            "the claims that rest on it; hover a claim to highlight everything it rests on; each claim's row lists "
            "its ancestors.</p>" + graph_svg(claims, graph)
            + f"<script>const ANCESTORS = {json.dumps({k: sorted(v) for k, v in graph.items()})};</script>")


def derivations_block(claims: list[ClaimRow], sections: dict) -> str:
    """Every derivation section a claim row links to, embedded (so the links work wherever the file is)."""
    blocks = [
        f'<div class="deriv" id="deriv-{esc(row.id)}">{markdown_html(sections[row.id][1])}'
        f'<p><a href="#claim-{esc(row.id)}">back to {esc(row.id)}</a> · source: derivations/out/'
        f"{esc(sections[row.id][0])}</p></div>"
        for row in claims
        if row.id in sections
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
    from fiberpo_check.plots.verify_figures import verify_preset

    parts = []
    if paths.EXPERIMENT_SUMMARY.exists():
        parts.append(f"experiments: {json.loads(paths.EXPERIMENT_SUMMARY.read_text()).get('preset', '?')}")
    parts.append(f"verify: {verify_preset(paths.VERIFY_RESULTS) or 'not run'}")
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


def load_ledger(claims_json: Path, audit_json: Path) -> tuple[list[ClaimRow], list[AuditTableRow]]:
    """Claims and audit rows: claims.json is a list of claims or {"claims": [...], "audit": [...]}; audit.json
    (a list) is read when present."""
    if not claims_json.exists():
        raise FileNotFoundError(f"{claims_json} is missing: run `python -m fiberpo_check ledger --write` first")
    payload = json.loads(claims_json.read_text())
    stored, audit = (payload, []) if isinstance(payload, list) else (payload["claims"], payload.get("audit") or [])
    claims = [ClaimRow.from_dict(row) for row in stored]
    if not audit and audit_json.exists():
        audit = json.loads(audit_json.read_text())
        audit = audit["rows"] if isinstance(audit, dict) else audit
        if audit and "status" not in audit[0]:  # the derivations' records: statuses follow from the ledger
            from fiberpo_check.presentation import audit as audit_table_of

            return claims, audit_table_of.rows(audit, ledger_rows=claims)
    return claims, [AuditTableRow.from_dict(row) for row in audit]


def write_report(
    claims_json: Path | None = None,
    figure_dir: Path | None = None,
    out: Path | None = None,
    audit_json: Path | None = None,
    derivations_dir: Path | None = None,
) -> Path:
    """Write the one-file HTML report from the ledger, the derivations and the figures directory (each default
    under the output root: reports/claims.json, figures/, reports/index.html, derivations/out/)."""
    figure_dir = figure_dir or paths.FIGURES
    out = out or paths.REPORTS / "index.html"
    claims, audit = load_ledger(claims_json or paths.REPORTS / "claims.json", audit_json or paths.AUDIT_JSON)
    counts: dict[Status, int] = {}
    for row in claims:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    sections = derivation_sections(derivations_dir)
    figures_by_claim: dict[str, list[str]] = {}
    for png in sorted(figure_dir.glob("*.png")):
        spec = load_all().get(png.stem)
        for claim in spec.claims if spec else ():
            figures_by_claim.setdefault(claim, []).append(png.stem)
    above = ancestors(claims, audit)
    graph = graph_section(claims, audit)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>fiberpo-check report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style>{katex_head()}</head><body>
<h1>fiberpo-check: the claims of <i>Fibration Policy Optimization</i> (arXiv 2603.08239), re-checked</h1>
{header(figure_dir)}
<p>{len(claims)} claims: {esc(summary)}. Every verdict below was computed by the toolkit; none is typed in.
Contents: <a href="#claims">claims</a>{' · <a href="#graph-section">dependency graph</a>' if graph else ''}{' · <a href="#audit">audit</a>' if audit else ''} ·
<a href="#derivations">derivations</a> · <a href="#figures">figures</a>.</p>
{legend()}
<h2>Claims</h2>
{claims_table(claims, sections, figures_by_claim, above)}
{graph}
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


def substatement_summary(row: ClaimRow, width: int = 220) -> str:
    """Each sub-statement of a row with its role, status and engines, cut to `width`, safe in a Markdown cell."""
    text = "; ".join(f"{s.id.split('/', 1)[-1]} ({s.role}): {s.status}" + (f" [{s.engine}]" if s.engine else "")
                     for s in row.substatements) or row.evidence
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


def readme_claims_table(claims: list[ClaimRow]) -> str:
    """The README's claims table (id, claim, row status, sub-statements), generated from the ledger rows."""
    lines = [CLAIMS_START, "| id | claim (source) | status | sub-statements: status [engines] |", "|---|---|---|---|"]
    for row in claims:
        claim = f"{row.claim} ({row.source})".replace("|", "\\|")
        lines.append(f"| {row.id} | {claim} | **{row.status}** | {substatement_summary(row)} |")
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


def update_readme(claims_json: Path | None = None, readme: Path | None = None, guide: Path | None = None) -> Path:
    """Regenerate the README's claims table (from claims.json) and the user guide's figures table (registry)."""
    readme, guide = readme or paths.README, guide or paths.USER_GUIDE
    claims, _ = load_ledger(claims_json or paths.REPORTS / "claims.json", paths.AUDIT_JSON)
    readme.write_text(replace_block(readme.read_text(), CLAIMS_START, CLAIMS_END, readme_claims_table(claims), readme))
    if guide.exists():
        guide.write_text(replace_block(guide.read_text(), FIGURES_START, FIGURES_END, readme_figures_table(), guide))
    return readme

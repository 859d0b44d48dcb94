"""The HTML report stands alone (figures embedded, links only within the page), shows every claim's statement with
the derivation that holds it, renders sub-statements and the audit when the ledger has them; the README's generated
tables match the ledger and the figure registry."""

import json
import re
import shutil
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from fiberpo_check.plots.registry import load_all
from fiberpo_check.presentation import ledger
from fiberpo_check.presentation.report import (
    CLAIMS_END,
    CLAIMS_START,
    FIGURES_END,
    FIGURES_START,
    STATUS_COLORS,
    derivation_sections,
    readme_claims_table,
    readme_figures_table,
    write_report,
)
from fiberpo_check import paths
from fiberpo_check.vocabulary.result_rows import ClaimRow
from fiberpo_check.vocabulary.verdicts import Status, read_verdicts
from tests.result_rows import audit_table_row, claim_row, sub_row

VOCABULARY = {
    "proved", "verified-bounded", "verified-exhaustively", "holds-with-conditions", "approximate", "refuted", "inconsistent", "typo",
    "reproduced-in-miniature", "not-reproduced-in-miniature", "opposite-tendency-in-miniature",
    "supported-under-metric", "not-supported-under-metric", "inconclusive-in-miniature", "not-yet-checked",
}


class References(HTMLParser):
    """Collects every href, img src and element id of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.images, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a":
            self.links.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.images.append((attrs["alt"], attrs["src"]))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A report written from the current ledger and two figures, then moved to another folder."""
    tmp = tmp_path_factory.mktemp("report")
    figures, page = tmp / "figures", tmp / "reports" / "index.html"
    for name in ("fig2a_g_agg", "fig4_drift"):
        load_all()[name].draw(figures)
    ledger.write(ledger.rows(), tmp)
    write_report(tmp / "claims.json", figures, page, audit_json=tmp / "no-audit.json")
    moved = tmp / "elsewhere" / "copy.html"
    moved.parent.mkdir()
    shutil.copy(page, moved)
    return [ClaimRow.from_dict(row) for row in json.loads((tmp / "claims.json").read_text())], moved.read_text()


def test_report_stands_alone(report):
    claims, text = report
    refs = References()
    refs.feed(text)
    assert {alt for alt, _ in refs.images} == {"fig2a_g_agg", "fig4_drift"}
    assert all(src.startswith("data:image/png;base64,") for _, src in refs.images)
    assert refs.links and all(href.startswith("#") and href[1:] in refs.ids for href in refs.links)
    assert len(re.findall(r'<tr id="claim-', text)) == len(claims)
    def bare(value: str) -> str:  # sub- and superscripts are typeset (<sub>, <sup>): compare without them
        return re.sub(r"</?su[bp]>|[_^(){}]", "", value)

    shown = bare(text.replace("&#x27;", "'").replace("&quot;", '"'))
    assert all(bare(claim.claim[:30]) in shown for claim in claims if "&" not in claim.claim and "<" not in claim.claim)
    assert 'href="#fig-fig4_drift"' in text  # FPO-10 points to the figure that shows it
    assert "commit" in text and "versions" in text and "presets" in text
    assert "Equation-level audit" not in text  # no audit in this ledger: nothing shown, nothing broken


def test_each_derivation_link_holds_its_claim():
    sections = derivation_sections()
    assert sections, "derivations/out/*.md missing"
    for claim_id, (name, body) in sections.items():
        assert body.startswith(f"**{claim_id} "), claim_id
    assert sections["TRPO-1"][0] == "trpo.md"  # not fpo.md, which only mentions TRPO-1


def test_substatements_and_audit_render(tmp_path):
    claim = claim_row("FPO-6", Status.PROVED, claim="g_agg is continuous", source="§5.1", kind="symbolic",
                      evidence="[derivations: proved] ok",
                      substatements=[sub_row("FPO-6.a", Status.TYPO, text="rollback width C/T", source="eq 10",
                                             evidence="width is C/k")])
    audit = [audit_table_row("eq 10", Status.PROVED, section="§5.1", page=9, quote="g_agg(x, C, k) = ...",
                             kind="definition", evidence="SymPy"),
             audit_table_row("Lemma D.9", Status.NOT_YET_CHECKED, section="App. D", page=30, quote="retraction",
                             evidence="no producer")]
    (tmp_path / "claims.json").write_text(json.dumps({"claims": [claim.to_dict()],
                                                      "audit": [row.to_dict() for row in audit]}))
    (tmp_path / "figures").mkdir()
    text = write_report(tmp_path / "claims.json", tmp_path / "figures", tmp_path / "index.html").read_text()
    assert "rollback width C/T" in text and "FPO-6.a" in text
    assert "Equation-level audit" in text and "Lemma D.9" in text
    assert 'data-filter="audit-table" data-col="section"' in text and '<option value="app. d">App. D</option>' in text
    assert len(re.findall(r'<tr id="audit-[^"]*" data-section="', text)) == 2


def test_every_status_has_its_own_colour():
    assert set(STATUS_COLORS) == VOCABULARY == {s.value for s in Status}  # every status of the enum, keyed by it
    assert len(set(STATUS_COLORS.values())) == len(STATUS_COLORS)


def test_readme_tables_match_the_ledger_and_the_registry():
    claims = json.loads((paths.REPORTS / "claims.json").read_text())
    claims = [ClaimRow.from_dict(row) for row in (claims["claims"] if isinstance(claims, dict) else claims)]
    text = paths.README.read_text()
    table = CLAIMS_START + text.split(CLAIMS_START, 1)[1].split(CLAIMS_END, 1)[0] + CLAIMS_END
    assert table == readme_claims_table(claims)
    guide = paths.USER_GUIDE.read_text()
    figures = FIGURES_START + guide.split(FIGURES_START, 1)[1].split(FIGURES_END, 1)[0] + FIGURES_END
    assert figures == readme_figures_table()
    assert all(f"`{name}`" in figures for name in load_all())


def test_ledger_snapshot_agrees_with_the_committed_derivations():
    snapshot = {row["id"]: ClaimRow.from_dict(row) for row in json.loads((paths.REPORTS / "claims.json").read_text())}
    for verdict in read_verdicts([paths.DERIVATION_VERDICTS]):
        assert f"[derivations: {verdict.status}]" in snapshot[verdict.id].evidence, verdict.id


def test_stale_readme_table_is_detected():
    claims = [ClaimRow.from_dict(row) for row in json.loads((paths.REPORTS / "claims.json").read_text())]
    claims[0] = replace(claims[0], status=Status.REFUTED if claims[0].status is not Status.REFUTED else Status.PROVED)
    assert readme_claims_table(claims) not in paths.README.read_text()

"""The HTML report references only figures that exist; the README's claims table matches the ledger."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from fiberpo_check import ledger
from fiberpo_check.plots.registry import load_all
from fiberpo_check.report import CLAIMS_END, CLAIMS_START, README, REPORT_DIR, readme_claims_table, write_report
from fiberpo_check.verdicts import DERIVATION_VERDICTS, read_verdicts


class References(HTMLParser):
    """Collects every href and img src of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.images = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append((attrs["alt"], attrs["src"]))


def test_report_references_existing_files(tmp_path):
    figures, page = tmp_path / "figures", tmp_path / "reports" / "index.html"
    for name in ("fig2a_g_agg", "fig2b_base_weight"):
        load_all()[name].draw(figures)
    claims = tmp_path / "claims.json"
    ledger.write(ledger.rows(), tmp_path)
    write_report(claims, figures, page)
    refs = References()
    refs.feed(page.read_text())
    assert {alt for alt, _ in refs.images} == {"fig2a_g_agg", "fig2b_base_weight"}
    assert all(src.startswith("data:image/png;base64,") for _, src in refs.images)  # self-contained
    local = [href for href in refs.links if not re.match(r"[a-z]+:", href)]
    assert local and all((page.parent / href).resolve().exists() for href in local)
    assert len(re.findall(r"<tr><td><b>", page.read_text())) == len(json.loads(claims.read_text()))


def test_readme_claims_table_matches_the_ledger_snapshot():
    claims = json.loads((REPORT_DIR / "claims.json").read_text())
    text = README.read_text()
    table = CLAIMS_START + text.split(CLAIMS_START, 1)[1].split(CLAIMS_END, 1)[0] + CLAIMS_END
    assert table == readme_claims_table(claims)


def test_ledger_snapshot_agrees_with_the_committed_derivations():
    snapshot = {row["id"]: row for row in json.loads((REPORT_DIR / "claims.json").read_text())}
    for verdict in read_verdicts([DERIVATION_VERDICTS]):
        assert f"[derivations: {verdict.status}]" in snapshot[verdict.id]["evidence"], verdict.id


def test_stale_readme_table_is_detected(tmp_path):
    claims = json.loads((REPORT_DIR / "claims.json").read_text())
    claims[0] = dict(claims[0], status="refuted" if claims[0]["status"] != "refuted" else "proved")
    assert readme_claims_table(claims) not in README.read_text()

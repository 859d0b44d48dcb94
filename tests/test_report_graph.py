"""The report's dependency graph (from the ledger's rests_on, else the audit) and its offline math."""

from __future__ import annotations

import re
from dataclasses import replace

from fiberpo_check.presentation.dependency_graph import ancestors, claim_graph, used_row_ids
from fiberpo_check.presentation.offline_math import katex_head, offline_html
from fiberpo_check.presentation.report import graph_section, notation_html
from fiberpo_check.vocabulary.verdicts import Status
from tests.result_rows import audit_table_row, claim_row

CLAIMS = [claim_row("A-1", Status.PROVED), claim_row("B-1", Status.REFUTED), claim_row("C-1", Status.PROVED)]
AUDIT = [  # eq1 (of B-1) is used by eq2 (of A-1); eq2 is used by eq3 (of C-1)
    audit_table_row("eq1", claims=["B-1"], uses=["eq 2"]),
    audit_table_row("eq2", claims=["A-1"], uses=["eqs 3–3"]),
    audit_table_row("eq3", claims=["C-1"]),
    audit_table_row("Lemma D.9", uses=["eq 3 (where it is used)"]),
]


def test_ancestors_from_the_audit_are_transitive():
    assert claim_graph(CLAIMS, AUDIT) == {"A-1": {"B-1"}, "B-1": set(), "C-1": {"A-1"}}
    found = ancestors(CLAIMS, AUDIT)["C-1"]
    assert found["claims"] == ["A-1", "B-1"] and set(found["rows"]) == {"eq1", "eq2", "eq3", "Lemma D.9"}


def test_the_ledgers_own_dependencies_take_precedence():
    """The ledger's rests_on (sub-statement ids name their claim) replaces the audit's reading."""
    stated = [replace(CLAIMS[0], rests_on=("C-1/lemma",)), CLAIMS[1], CLAIMS[2]]
    assert claim_graph(stated, AUDIT)["A-1"] == {"C-1"}
    assert ancestors(stated, [])["A-1"]["claims"] == ["C-1"]


def test_uses_entries_name_rows():
    known = {"eq14", "eq15", "eq16", "Lemma D.9", "Theorem 4.5"}
    assert used_row_ids("eqs 14–16", known) == ["eq14", "eq15", "eq16"]
    assert used_row_ids("Lemma D.9 (part 2)", known) == ["Lemma D.9"]
    assert used_row_ids("Thm 4.5", known) == ["Theorem 4.5"]


def test_graph_section_draws_every_claim_and_edge():
    html = graph_section(CLAIMS, AUDIT)
    assert html.count('class="node"') == 3 and html.count('class="edge"') == 2


def test_math_renders_offline():
    head = katex_head()
    assert "renderMathInElement" in head and "url(fonts/" not in head and "data:font/woff2" in head
    page = offline_html('<html><head><script src="https://cdn.example/MathJax.js?config=TeX"></script></head>'
                        "<body>$x^2$</body></html>")
    assert "MathJax" not in page.split("<style>")[0] and "katex" in page
    assert not re.search(r"<script[^>]+src=", page)


def test_notation_has_real_scripts():
    assert notation_html("D_TV^max and δ^(APC-Obj)") == "D<sub>TV</sub><sup>max</sup> and δ<sup>APC-Obj</sup>"

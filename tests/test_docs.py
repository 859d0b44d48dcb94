"""The documentation: the generated reference is current, the README stays short and its links resolve."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_reference_is_current():
    spec = importlib.util.spec_from_file_location("make_reference", ROOT / "docs" / "tools" / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "reference.md").read_text() == module.reference(), \
        "docs/reference.md is stale: run `python docs/tools/make_reference.py`"


def test_readme_is_a_landing_page():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    for command in ("make all", "make test"):
        assert command in text


def test_readme_links_resolve_or_are_written_by_other_steps():
    text = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(((?!https?:)[^)#]+)", text)
    missing = [t for t in targets if not (ROOT / t).exists()]
    written_elsewhere = {"docs/derivations.md", "docs/conform.md", "docs/experiments.md"}
    assert set(missing) <= written_elsewhere, missing

"""Every verification notebook runs top to bottom (quick mode) and shows at least one inline plot; saved copies
keep their outputs."""

import base64
import re

import nbformat
import pytest

from fiberpo_check.presentation.notebooks import execute, image_count, notebook_paths, save, verdict_markdown
from fiberpo_check.vocabulary.verdicts import Status
from tests.result_rows import claim_row, sub_row

PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082")).decode()


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_executes_with_inline_plots(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # a headless parent must not switch the kernel's plots off
    notebook = execute(path, timeout=300, quick=True)
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert image_count(notebook) >= 1, f"{path.name} shows no inline plot"


def test_saved_copies_keep_images(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()"), nbformat.v4.new_code_cell("1")])
    notebook.cells[0].outputs = [nbformat.v4.new_output("display_data", {"image/png": PIXEL, "text/plain": "fig"})]
    notebook.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=1)]
    assert image_count(notebook) == 1
    ipynb, page = save(notebook, "toy", tmp_path)
    assert image_count(nbformat.read(ipynb, as_version=4)) == 1
    assert page.read_text().split("<body", 1)[1].count("<img") == 1
    notebook.cells = notebook.cells[1:]
    assert image_count(notebook) == 0


def test_a_notebook_started_in_its_own_folder_finds_the_project(monkeypatch):
    """`jupyter lab notebooks/` starts kernels in notebooks/: the outputs are still read from the project."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("FIBERPO_CHECK_ROOT", raising=False)
    first = notebook_paths()[0]
    notebook = execute(first, timeout=300, quick=True, where=first.parent)
    assert not [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
                if o.get("output_type") == "error"]


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_ends_with_its_verdicts_and_links_existing_figures(path):
    from fiberpo_check.plots.registry import load_all

    text = path.read_text()
    last_code = text.rsplit("# %%", 1)[1]
    assert "verdict_table(" in last_code
    linked = set(re.findall(r"figures/([\w]+)\.(?:pdf|png)", text))
    assert linked <= set(load_all()), linked - set(load_all())


def test_verdict_table_lists_each_claim_with_its_substatements():
    rows = [claim_row("FPO-2", Status.PROVED, [sub_row("FPO-2/eq20", Status.PROVED)], source="eq 20"),
            claim_row("FPO-10", Status.REFUTED, source="Fig 4"),
            claim_row("FGH-1", Status.PROVED, source="eq 26")]
    table = verdict_markdown("FPO-", rows=rows)
    assert "| FPO-2 (eq 20) | **proved** | eq20: proved |" in table and "FPO-10" in table and "FGH-1" not in table
    assert "No verdicts" in verdict_markdown("EMP-", rows=rows)


def test_exported_html_renders_math_offline(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("$x^2$")])
    _, page = save(notebook, "math", tmp_path)
    html = page.read_text()
    assert "renderMathInElement" in html and not re.search(r"<script[^>]+src=\"https?:", html)

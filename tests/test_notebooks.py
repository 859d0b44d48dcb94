"""Every verification notebook runs top to bottom (quick mode) and shows at least one inline plot; saved copies
keep their outputs."""

import base64

import nbformat
import pytest

from fiberpo_check.presentation.notebooks import execute, image_count, notebook_paths, save

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
    assert page.read_text().count("<img") == 1
    notebook.cells = notebook.cells[1:]
    assert image_count(notebook) == 0

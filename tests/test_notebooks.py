"""Every verification notebook runs top to bottom (quick mode); a failing cell fails the test."""

import pytest

from fiberpo_check.notebooks import execute, notebook_paths


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_executes(path):
    notebook = execute(path, timeout=300, quick=True)
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors

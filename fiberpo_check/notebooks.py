"""Execute the verification notebooks (stored as jupytext percent-format .py files) and export HTML."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .verdicts import ROOT

NOTEBOOK_DIR = ROOT / "notebooks"
HTML_DIR = ROOT / "reports" / "notebooks"


def notebook_paths() -> list[Path]:
    """Every verification notebook, in reading order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))


def execute(path: Path, timeout: int = 600, quick: bool = False):
    """Run a notebook top to bottom in a fresh kernel; a failing cell raises. Returns the executed notebook."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    env_before = os.environ.get("FIBERPO_QUICK")
    os.environ["FIBERPO_QUICK"] = "1" if quick else "0"
    try:
        NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        if env_before is None:
            os.environ.pop("FIBERPO_QUICK", None)
        else:
            os.environ["FIBERPO_QUICK"] = env_before
    return notebook


def export_html(notebook, out: Path) -> Path:
    """Write an executed notebook as a standalone HTML page."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(notebook)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body)
    return out


def run_all(quick: bool = False) -> list[Path]:
    """Execute every notebook and write its HTML copy into reports/notebooks/, printing progress."""
    written = []
    for path in notebook_paths():
        started = time.perf_counter()
        print(f"executing {path.name} ...", flush=True)
        notebook = execute(path, quick=quick)
        written.append(export_html(notebook, HTML_DIR / f"{path.stem}.html"))
        print(f"  {path.name}: {time.perf_counter() - started:.1f} s -> {written[-1].relative_to(ROOT)}", flush=True)
    return written

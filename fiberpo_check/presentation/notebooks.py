"""Execute the verification notebooks (stored as jupytext percent-format .py files); save them with their outputs
(inline plots included) as .ipynb and HTML."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from fiberpo_check import paths
from fiberpo_check.presentation.offline_math import offline_html
from fiberpo_check.vocabulary.result_rows import ClaimRow

def notebook_paths() -> list[Path]:
    """Every verification notebook, in reading order."""
    return sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.py"))


@contextlib.contextmanager
def kernel_environment(quick: bool):
    """Environment a kernel inherits: FIBERPO_QUICK set, and no MPLBACKEND, so plots use the inline backend."""
    wanted = {"FIBERPO_QUICK": "1" if quick else "0", "MPLBACKEND": None}
    before = {name: os.environ.get(name) for name in wanted}
    try:
        for name, value in wanted.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        yield
    finally:
        for name, value in before.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def execute(path: Path, timeout: int = 600, quick: bool = False, where: Path | None = None):
    """Run a notebook top to bottom in a fresh kernel started in `where` (the project root by default; Jupyter
    starts it in notebooks/); a failing cell raises. Returns the executed notebook."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    with kernel_environment(quick):
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(where or paths.ROOT)}})
        client.execute()
    return notebook


def verdict_markdown(*prefixes: str, rows: list[ClaimRow] | None = None) -> str:
    """A Markdown table of the claims whose id starts with one of `prefixes` ('TRPO-', 'FPO-2'): status and each
    sub-statement's status, from every producer's stored verdicts (the ledger's rows)."""
    if rows is None:
        from fiberpo_check.presentation import ledger

        rows = ledger.rows()
    chosen = [r for r in rows if r.id.startswith(prefixes)]
    if not chosen:
        return f"No verdicts for {', '.join(prefixes)} yet: run `make derivations verify experiments`."
    lines = ["| claim | status | sub-statements |", "|---|---|---|"]
    for r in chosen:
        subs = "; ".join(f"{s.id.split('/', 1)[-1]}: {s.status}" for s in r.substatements)
        lines.append(f"| {r.id} ({r.source}) | **{r.status}** | {subs.replace('|', '∣')} |")
    return "\n".join(lines)


def verdict_table(*prefixes: str):
    """verdict_markdown as a notebook output (IPython Markdown)."""
    from IPython.display import Markdown

    return Markdown(verdict_markdown(*prefixes))


def image_count(notebook) -> int:
    """Number of inline images (PNG or SVG outputs) in an executed notebook."""
    return sum(
        1
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if {"image/png", "image/svg+xml"} & set(output.get("data", {}))
    )


def save(notebook, stem: str, out_dir: Path | None = None) -> list[Path]:
    """Write an executed notebook as <stem>.ipynb (outputs kept) and a standalone <stem>.html."""
    import nbformat
    from nbconvert import HTMLExporter

    out_dir = out_dir or paths.NOTEBOOK_HTML
    out_dir.mkdir(parents=True, exist_ok=True)
    ipynb, page = out_dir / f"{stem}.ipynb", out_dir / f"{stem}.html"
    nbformat.write(notebook, ipynb)
    body, _ = HTMLExporter().from_notebook_node(notebook)
    page.write_text(offline_html(body))  # KaTeX inlined instead of MathJax from the network
    return [ipynb, page]


def run_all(quick: bool = False, out_dir: Path | None = None) -> list[Path]:
    """Execute every notebook and save it (.ipynb + HTML) into `out_dir`, printing progress and image counts."""
    written = []
    for path in notebook_paths():
        started = time.perf_counter()
        print(f"executing {path.name} ...", flush=True)
        notebook = execute(path, quick=quick)
        written += save(notebook, path.stem, out_dir)
        print(f"  {path.name}: {time.perf_counter() - started:.1f} s, {image_count(notebook)} inline figure(s) -> "
              f"{written[-2].name}, {written[-1].name}", flush=True)
    return written

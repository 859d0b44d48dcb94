"""A non-editable install: the package and `derivations` install beside each other, and the CLI run from another
folder writes its outputs under that folder (paths.py), never into the installed tree."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def files_under(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}


def source_copy(folder: Path) -> Path:
    """The files a build reads, copied (a build writes build/ beside its sources; the checkout stays untouched)."""
    skip = shutil.ignore_patterns("__pycache__", "out")
    for name in ("fiberpo_check", "derivations"):
        shutil.copytree(REPO / name, folder / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, folder / name)
    return folder


def test_installed_cli_writes_under_the_working_directory(tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    source = source_copy(tmp_path / "source")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(source)], check=True, cwd=tmp_path, capture_output=True)
    installed = files_under(site)
    assert any(p.parts[0] == "derivations" for p in installed)
    env = {**os.environ, "PYTHONPATH": str(site), "MPLBACKEND": "Agg"}
    env.pop("FIBERPO_CHECK_ROOT", None)

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = run("-c", "import fiberpo_check, fiberpo_check.paths as p; "
                      "print(fiberpo_check.__file__); print(p.DERIVATIONS_OUT); print(p.ROOT)").split()
    assert Path(where[0]).is_relative_to(site)
    assert Path(where[1]) == work.resolve() / "derivations" / "out" and Path(where[2]) == work.resolve()
    run("-m", "fiberpo_check", "figures", "--only", "fig2a_g_agg")
    run("-m", "fiberpo_check", "ledger", "--write")
    written = files_under(work)
    assert Path("figures/fig2a_g_agg.pdf") in written and Path("reports/claims.json") in written
    assert all("__pycache__" in p.parts for p in files_under(site) - installed)  # nothing written into the install


def test_the_output_root_is_read_when_used(tmp_path, monkeypatch):
    """No module binds a path of the output root at import: each reads `paths.X` when it writes, so changing
    $FIBERPO_CHECK_ROOT after every import still moves the outputs."""
    from fiberpo_check.presentation import ledger

    sources = [*REPO.joinpath("fiberpo_check").rglob("*.py"), *REPO.joinpath("derivations").rglob("*.py")]
    binding = [str(p.relative_to(REPO)) for p in sources if "from fiberpo_check.paths import" in p.read_text()]
    assert binding == []
    monkeypatch.setenv("FIBERPO_CHECK_ROOT", str(tmp_path))
    written = ledger.write(ledger.rows([]))
    assert written and all(path.is_relative_to(tmp_path / "reports") for path in written)

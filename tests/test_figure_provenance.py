"""A figure is drawn only from the results of the preset it claims to show, and its sidecar says which."""

import json

import pytest

from fiberpo_check.empirical.experiments import cache
from fiberpo_check.plots import experiment_figures as ef
from fiberpo_check.plots import paper_figures as pf
from fiberpo_check.plots.figure import PresetMismatch


def store(tmp_path, name, preset, value):
    """Cache one toy result of `name` under `preset` (None: an ad-hoc run, as a notebook does)."""
    return cache.cached(name, {"v": value}, lambda: {"value": value}, tmp_path, preset=preset)


def test_ad_hoc_and_other_preset_runs_never_move_a_presets_pointer(tmp_path):
    store(tmp_path, "bandit", "default", 1)
    store(tmp_path, "bandit", "quick", 2)  # what `make test` does
    store(tmp_path, "bandit", None, 3)  # what a notebook does
    assert cache.latest("bandit", "default", tmp_path)["value"] == 1
    assert cache.latest("bandit", "quick", tmp_path)["value"] == 2
    assert cache.presets_with_results("bandit", tmp_path) == ["default", "quick"]


def test_figures_refuse_results_of_another_preset(tmp_path, monkeypatch):
    monkeypatch.setenv("FIBERPO_CHECK_ROOT", str(tmp_path))
    store(tmp_path / "results" / "experiments", "bandit", "quick", 2)
    with pytest.raises(PresetMismatch, match="'default'.*quick"):
        ef.results("bandit", "default")
    found = ef.results("bandit", "default", allow_other=True)
    assert found["preset"] == "quick" and found["value"] == 2
    assert ef.provenance_of(found).preset == "quick"


def test_missing_results_are_an_error_not_a_quick_run(tmp_path, monkeypatch):
    monkeypatch.setenv("FIBERPO_CHECK_ROOT", str(tmp_path))
    with pytest.raises(PresetMismatch, match="experiments --preset default"):
        ef.results("tiny_lm", "default")


def test_sidecar_records_preset_data_hash_and_dirty_tree(tmp_path):
    sidecar = json.loads(pf.draw_fig2a(tmp_path)[2].read_text())
    assert sidecar["preset"] is None  # drawn from the formulas, not from stored results
    assert len(sidecar["data_sha256"]) == 64
    assert sidecar["git_dirty"] in (True, False, None)
    changed = json.loads(pf.draw_fig2a(tmp_path / "again")[2].read_text())
    assert changed["data_sha256"] == sidecar["data_sha256"]


def test_figures_command_exits_3_when_the_presets_results_are_missing(tmp_path, monkeypatch, capsys):
    from fiberpo_check.cli import figures as figures_cli

    monkeypatch.setenv("FIBERPO_CHECK_ROOT", str(tmp_path))
    store(tmp_path / "results" / "experiments", "bandit", "quick", 2)
    names = ["exp_bandit_iteration", "jacobian_probe_scaling", "fig2a_g_agg"]
    assert figures_cli.main(["--only", *names, "--out", str(tmp_path / "figs")]) == figures_cli.REFUSED
    out = capsys.readouterr().out
    assert "REFUSED exp_bandit_iteration" in out and "REFUSED jacobian_probe_scaling" in out
    assert (tmp_path / "figs" / "fig2a_g_agg.png").exists()  # figures drawn from formulas still drawn
    assert not (tmp_path / "figs" / "exp_bandit_iteration.png").exists()


def test_dirty_flag_ignores_the_outputs_make_all_rewrites(tmp_path, monkeypatch):
    """A fresh clone's first `make all` rewrites tracked outputs before drawing: the sidecar must still say clean;
    an edited source file makes it dirty."""
    import subprocess

    from fiberpo_check.plots import style

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "derivations" / "out").mkdir(parents=True)
    (tmp_path / "derivations" / "out" / "all.tex").write_text("old")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "errata.md").write_text("old")
    (tmp_path / "source.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    monkeypatch.setattr(style.paths, "SOURCE", tmp_path)
    assert style.git_dirty() is False
    (tmp_path / "derivations" / "out" / "all.tex").write_text("regenerated")
    (tmp_path / "docs" / "errata.md").write_text("regenerated")
    assert style.git_dirty() is False
    (tmp_path / "source.py").write_text("x = 2\n")
    assert style.git_dirty() is True

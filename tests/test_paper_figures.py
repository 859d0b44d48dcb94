"""Paper Figs 2-4 redrawn from the toolkit's gates: the plotted numbers, the files, and the figures CLI."""

import json

import numpy as np
import pytest
import torch

from fiberpo_check.cli import figures as figures_cli
from fiberpo_check.plots import paper_figures as pf
from fiberpo_check.plots.registry import load_all


def test_registry_lists_paper_and_experiment_figures(capsys):
    names = set(load_all())
    assert {"fig2a_g_agg", "fig2b_base_weight", "fig3_regime_simplex", "fig4_drift"} <= names
    assert {"exp_bandit_distances", "exp_lm_learning_curves", "exp_lm_tokens_to_threshold"} <= names
    assert figures_cli.main(["--list"]) == 0
    assert "fig4_drift" in capsys.readouterr().out


def test_base_weight_regimes_of_fig2b():
    c_pos, c_neg, k = pf.FIG2B["c_pos"], pf.FIG2B["c_neg"], pf.FIG2B["k"]
    pos = np.array([0.05, 0.35, 0.05, 0.35])
    neg = np.array([0.02, 0.02, 0.25, 0.25])
    log_w = pf.base_log_weight_grid(pos, neg, c_pos, c_neg, k)
    assert log_w[0] == pytest.approx(0.03)  # G-I: log s+ - log s-
    assert log_w[1] == pytest.approx(-0.02)  # G-II: positive channel zeroed
    assert log_w[3] == 0.0  # G-III: w = 1


def test_global_regime_table():
    regime = torch.tensor([0, 1, 2, 1, 2])
    other = torch.tensor([0, 0, 0, 1, 2])
    assert pf.global_regime(regime, other).tolist() == [0, 1, 2, 3, 4]


def test_simplex_centre_is_on_policy():
    ratios, xy = pf.simplex_grid(3, 31)
    fields = pf.simplex_fields(np.vstack([ratios, [[1.0, 1.0, 1.0]]]), pf.FIG3)
    assert fields["delta_j"][-1] == pytest.approx(0.0, abs=1e-12)
    assert fields["local"][-1] == 0 and fields["global"][-1] == 0
    assert np.allclose(ratios.mean(axis=1), 1.0)


def test_drift_curves_agree_with_grpo_at_t0_and_saturate():
    t = np.array([-4.0, 0.0, 4.0])
    curves = pf.drift_curves(pf.FIG4, t)
    assert curves["fiber_total"][1] == pytest.approx(curves["grpo_total"][1])
    assert curves["fiber_total"][1] == pytest.approx(curves["advantages"].mean())
    assert np.all(np.isfinite(curves["fiber_total"]))


@pytest.mark.parametrize("draw", [pf.draw_fig2a, pf.draw_fig2b])
def test_figure_files_and_sidecar(tmp_path, draw):
    paths = draw(tmp_path)
    assert [p.suffix for p in paths] == [".pdf", ".png", ".json"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert "config" in json.loads(paths[2].read_text())


def test_cli_draws_selected_figure(tmp_path):
    assert figures_cli.main(["--only", "fig2a_g_agg", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fig2a_g_agg.png").exists()
    assert figures_cli.main(["--only", "nope", "--out", str(tmp_path)]) == 2

"""The atomic gates: g_agg (eq 10), its slope, regimes, logclip (eq 12) and the hard clip."""

import torch
from hypothesis import given
from hypothesis import strategies as st

from fiberpo_check.engine.gates import clip_sym, g_agg, g_agg_slope, gate_regime, hard_clip, logclip, safe_ratio

finite = st.floats(-2.0, 2.0, allow_nan=False)


def test_g_agg_three_regimes_by_hand():
    x = torch.tensor([0.05, -0.1, 0.11, -0.115, 0.125, 0.3, -0.2], dtype=torch.float64)
    c, k = 0.1, 4.0  # rollback on (0.1, 0.125)
    expected = torch.tensor([0.05, -0.1, 5 * 0.1 - 4 * 0.11, -(5 * 0.1) + 4 * 0.115, 0.0, 0.0, 0.0], dtype=torch.float64)
    assert torch.allclose(g_agg(x, c, k), expected, atol=1e-15)
    assert gate_regime(x, c, k).tolist() == [0, 0, 1, 1, 2, 2, 2]


@given(finite, st.floats(0.01, 1.0), st.integers(1, 64))
def test_g_agg_continuous_and_slope_matches_autograd(x, c, k):
    xs = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    out = g_agg(xs, c, float(k))
    out.backward()
    assert xs.grad.item() == g_agg_slope(xs.detach(), c, float(k)).item()
    for edge in (c, (1 + 1 / k) * c, -c, -(1 + 1 / k) * c):  # continuity at every regime boundary
        left = g_agg(torch.tensor([edge - 1e-12], dtype=torch.float64), c, float(k))
        right = g_agg(torch.tensor([edge + 1e-12], dtype=torch.float64), c, float(k))
        assert abs((left - right).item()) < 1e-9 * (k + 1)


def test_rollback_slope_is_minus_k_and_width_c_over_k():
    c, k = 0.2, 8.0
    x = torch.linspace(c + 1e-6, c * (1 + 1 / k) - 1e-6, 50, dtype=torch.float64)
    assert torch.all(g_agg_slope(x, c, k) == -k)
    assert torch.all(gate_regime(x, c, k) == 1)
    assert gate_regime(torch.tensor([c * (1 + 1 / k)], dtype=torch.float64), c, k).item() == 2


def test_g_agg_accepts_per_row_k():
    x = torch.tensor([0.11, 0.11], dtype=torch.float64)
    assert g_agg(x, 0.1, torch.tensor([1.0, 100.0], dtype=torch.float64)).tolist() == [
        2 * 0.1 - 0.11,
        0.0,
    ]


@given(st.floats(0.05, 20.0), st.floats(0.001, 0.5))
def test_logclip_is_clamp_in_ratio_space(x, eps):
    xs = torch.tensor([x], dtype=torch.float64)
    bound = torch.tensor(eps, dtype=torch.float64)
    expected = hard_clip(xs, torch.exp(-bound), torch.exp(bound))
    assert torch.allclose(logclip(xs, eps), expected, rtol=1e-12)
    assert torch.allclose(clip_sym(torch.log(xs), eps), torch.log(logclip(xs, eps)), atol=1e-15)


def test_safe_ratio_stays_finite():
    assert torch.isfinite(safe_ratio(torch.tensor([1e4, -1e4]))).all()

"""The eq-20 closed-form Jacobian against autograd, in every regime, and a negative control."""

import torch

from fiberpo_check.engine.gates import g_agg_slope
from fiberpo_check.engine.jacobian import fiberpo_jacobian, fiberpo_log_jacobian
from fiberpo_check.engine.objectives.fiberpo import fiberpo_gate
from tests.test_objectives import HYPER, regime_batch


def autograd_jacobian(log_ratio, mask):
    """Dense dG_i/dr_j per trajectory via autograd on r (float64)."""
    blocks = []
    for b in range(log_ratio.shape[0]):
        ratio = torch.exp(log_ratio[b : b + 1])

        def gate_of(r, b=b):
            return fiberpo_gate(torch.log(r), mask[b : b + 1], **HYPER)[0]

        blocks.append(torch.autograd.functional.jacobian(gate_of, ratio)[:, 0, :])
    return torch.stack(blocks) * (mask[:, :, None] & mask[:, None, :])


def test_eq20_matches_autograd_in_every_regime():
    log_ratio, mask, _ = regime_batch()
    closed = fiberpo_jacobian(log_ratio, mask, **HYPER)
    assert (closed - autograd_jacobian(log_ratio, mask)).abs().max() < 1e-12


def test_identity_at_on_policy():
    _, mask, _ = regime_batch()
    log_jac = fiberpo_log_jacobian(torch.zeros(mask.shape, dtype=torch.float64), mask, **HYPER)
    eye = torch.eye(mask.shape[1], dtype=torch.float64).expand_as(log_jac) * mask[:, :, None]
    assert torch.equal(log_jac, eye)


def test_eq20_with_wrong_base_slope_is_rejected():
    """Negative control: replacing gamma = -T by -(T+1) in the rollback regime breaks agreement."""
    log_ratio, mask, _ = regime_batch()
    exact = fiberpo_log_jacobian(log_ratio, mask, **HYPER)
    lengths = mask.sum(-1).double()
    log_s_pos = torch.where(log_ratio >= 0, log_ratio, 0).sum(-1) / lengths
    rollback = g_agg_slope(log_s_pos, HYPER["c_pos"], lengths) < 0
    assert rollback.any()
    positive_j = (log_ratio >= 0) & mask
    mutated = exact - (rollback[:, None, None] & positive_j[:, None, :] & mask[:, :, None]) / lengths[:, None, None]
    autograd_log = autograd_jacobian(log_ratio, mask) * torch.exp(log_ratio[:, None, :] - torch.log(
        fiberpo_gate(log_ratio, mask, **HYPER))[:, :, None])
    assert (exact - autograd_log)[mask].abs().max() < 1e-12
    assert (mutated - autograd_log).abs().max() > 1e-3

"""The GRPO baseline loss reads clip_ratio_low / clip_ratio_high = 0.0 as zero, not as "unset" (App. C.4)."""

import torch

from fiberpo_check.losses import compute_policy_loss_grpo


def grpo_loss(config):
    mask = torch.ones(1, 2, dtype=torch.bool)
    old = torch.zeros(1, 2, dtype=torch.float64)
    log_prob = torch.log(torch.tensor([[0.9, 1.1]], dtype=torch.float64))  # r = 0.9 and 1.1
    advantages = torch.tensor([[-1.0, 1.0]], dtype=torch.float64)
    return compute_policy_loss_grpo(old, log_prob, advantages, mask, "token-mean", config)[0]


def test_zero_clip_ratio_is_zero_not_the_default():
    # eps = 0: clip(r, 1, 1) = 1, so -min(rA, A) is 0.9 (A = -1, r = 0.9 -> max(0.9, 1) = 1 -> loss 1) and -1.0
    zero = grpo_loss({"clip_ratio_low": 0.0, "clip_ratio_high": 0.0, "clip_ratio": 0.2})
    torch.testing.assert_close(zero, torch.tensor((1.0 - 1.0) / 2, dtype=torch.float64))
    default = grpo_loss({"clip_ratio": 0.2})  # both unset: the shared clip_ratio
    torch.testing.assert_close(default, torch.tensor((0.9 - 1.1) / 2, dtype=torch.float64))
    assert not torch.isclose(zero, default)

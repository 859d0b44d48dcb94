"""Bad input raises ValueError naming the argument; masked positions never leak; packing round-trips."""

import pytest
import torch

import fiberpo_check as fc
from fiberpo_check.engine.batch import pad_packed, unpad

HYPER = dict(c_pos=0.12, c_neg=0.08, eps=0.03)


def batch():
    lp = torch.tensor([[-0.1, 0.2, 0.0], [0.3, -0.2, 0.05]], dtype=torch.float64)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]], dtype=torch.bool)
    return lp, torch.zeros_like(lp), torch.tensor([1.0, -0.5], dtype=torch.float64), mask


@pytest.mark.parametrize(
    "mutate, argument",
    [
        (lambda a: dict(a, old_log_prob=a["old_log_prob"][:, :2]), "old_log_prob"),
        (lambda a: dict(a, log_prob=a["log_prob"].long()), "log_prob"),
        (lambda a: dict(a, log_prob=a["log_prob"].index_put((torch.tensor(0), torch.tensor(0)), torch.tensor(float("nan"), dtype=torch.float64))), "log_prob"),
        (lambda a: dict(a, old_log_prob=a["old_log_prob"].index_put((torch.tensor(1), torch.tensor(2)), torch.tensor(float("inf"), dtype=torch.float64))), "old_log_prob"),
        (lambda a: dict(a, mask=a["mask"].index_put((torch.tensor(0),), torch.tensor(False))), "mask"),
        (lambda a: dict(a, mask=a["mask"].long() * 2), "mask"),
        (lambda a: dict(a, advantages=torch.ones(3, dtype=torch.float64)), "advantages"),
    ],
)
def test_bad_input_names_the_argument(mutate, argument):
    lp, old, adv, mask = batch()
    args = mutate(dict(log_prob=lp, old_log_prob=old, advantages=adv, mask=mask))
    with pytest.raises(ValueError, match=argument):
        fc.surrogate("fiberpo", args["log_prob"], args["old_log_prob"], args["advantages"], args["mask"], **HYPER)


def test_masked_garbage_never_leaks():
    lp, old, adv, mask = batch()
    clean = fc.surrogate("fiberpo", lp, old, adv, mask, **HYPER)
    dirty_lp = lp.masked_fill(~mask, float("nan"))
    dirty_old = old.masked_fill(~mask, float("inf"))
    assert torch.equal(clean, fc.surrogate("fiberpo", dirty_lp, dirty_old, adv, mask, **HYPER))


def test_domain_ids_must_nest_groups():
    lp, _, _, mask = batch()
    with pytest.raises(ValueError, match="group_ids/domain_ids"):
        fc.fiberpo_domain_gate(lp, mask, torch.tensor([0, 0]), torch.tensor([1, 2]), **HYPER)
    with pytest.raises(ValueError, match="group_ids"):
        fc.fiberpo_domain_gate(lp, mask, torch.tensor([0, 0, 1]), torch.tensor([1, 1]), **HYPER)


def test_per_level_budget_keys_are_checked():
    lp, _, _, mask = batch()
    with pytest.raises(ValueError, match="c_pos"):
        fc.fiberpo_domain_gate(lp, mask, torch.tensor([0, 0]), torch.tensor([1, 1]), c_pos={"group": 0.1}, c_neg=0.1, eps=0.1)


def test_packed_round_trip():
    values = torch.arange(7, dtype=torch.float64)
    padded, mask = pad_packed(values, torch.tensor([0, 3, 3, 7]))
    assert mask.sum(-1).tolist() == [3, 0, 4]
    assert torch.equal(unpad(padded, mask), values)

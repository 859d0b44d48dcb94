"""RGF objectives against textbook implementations; FiberPO/FiberPO-Domain closed forms and negative controls."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import fiberpo_check as fc
from fiberpo_check.engine.gates import gate_regime
from fiberpo_check.engine.objectives.fiberpo import fiberpo_parts
from tests.batches import ragged_batch
from tests.textbook import fiberpo_row, g_agg_scalar, ppo_term

HYPER = dict(c_pos=0.12, c_neg=0.08, eps=0.03)


def rows(log_ratio, mask):
    return [log_ratio[b, mask[b]].tolist() for b in range(log_ratio.shape[0])]


def textbook_gate(log_ratio, mask, **kw):
    out = torch.zeros_like(log_ratio)
    for b, row in enumerate(rows(log_ratio, mask)):
        out[b, : len(row)] = torch.tensor(fiberpo_row(row, HYPER["c_pos"], HYPER["c_neg"], HYPER["eps"], **kw), dtype=torch.float64)
    return out


def max_gap(gate, other, mask):
    return (gate - other)[mask].abs().max().item()


def regime_batch(seed=0):
    """Ragged rows built so each channel's aggregate sits in pass-through, rollback or zeroed, fiber clip on or off."""
    gen = torch.Generator().manual_seed(seed)
    targets = (0.5, None, 2.0)  # fraction of C: pass-through, rollback (set per length), zeroed
    rows_, lengths = [], [1, 3, 4, 8, 12, 20]
    for t in lengths:
        for f_pos in targets:
            for f_neg in targets:
                for spread in (0.0, 0.9):
                    n_pos = max(t // 2, 1)
                    a = (f_pos or 1 + 0.5 / t) * HYPER["c_pos"] * t / n_pos
                    b = (f_neg or 1 + 0.5 / t) * HYPER["c_neg"] * t / max(t - n_pos, 1)
                    pos = [a * (1 + spread * (-1) ** i) for i in range(n_pos)] if n_pos % 2 == 0 else [a] * n_pos
                    rows_.append(pos + [-b] * (t - n_pos))
    width = max(lengths)
    mask = torch.tensor([[i < len(r) for i in range(width)] for r in rows_])
    log_ratio = torch.tensor([r + [0.0] * (width - len(r)) for r in rows_], dtype=torch.float64)
    return log_ratio, mask, torch.randn(len(rows_), generator=gen, dtype=torch.float64)


def test_regime_batch_visits_every_regime():
    log_ratio, mask, _ = regime_batch()
    parts = fiberpo_parts(log_ratio, mask, **HYPER)
    for channel_x, c in ((parts.log_s_pos, HYPER["c_pos"]), (parts.log_s_neg, HYPER["c_neg"])):
        assert set(gate_regime(channel_x, c, parts.lengths).tolist()) == {0, 1, 2}
    saturated = (parts.same_sign.abs() > HYPER["eps"])[mask]
    assert saturated.any() and (~saturated).any()


def test_fiberpo_gate_equals_ratio_form_of_eq7():
    log_ratio, mask, _ = regime_batch()
    gate = fc.fiberpo_gate(log_ratio, mask, **HYPER)
    assert max_gap(gate, textbook_gate(log_ratio, mask), mask) < 1e-12


@pytest.mark.parametrize("mutation", [dict(slope=1.0), dict(sign_split=False)])
def test_cross_check_rejects_negative_controls(mutation):
    log_ratio, mask, _ = regime_batch()
    gate = fc.fiberpo_gate(log_ratio, mask, **HYPER)
    assert max_gap(gate, textbook_gate(log_ratio, mask, **mutation), mask) > 1e-3


@given(st.lists(st.integers(1, 64), min_size=1, max_size=6), st.floats(0.001, 1.0), st.integers(0, 10_000))
def test_fiberpo_gate_property_ragged(lengths, scale, seed):
    log_ratio, mask, _ = ragged_batch(lengths, scale, seed)
    gate = fc.fiberpo_gate(log_ratio, mask, **HYPER)
    assert max_gap(gate, textbook_gate(log_ratio, mask), mask) < 1e-12
    log_gate = torch.log(gate)[mask]
    assert log_gate.abs().max() <= HYPER["c_pos"] + HYPER["c_neg"] + 2 * HYPER["eps"] + 1e-12


def test_unsaturated_fiber_is_mean_centred_and_identity_on_policy():
    log_ratio, mask, _ = ragged_batch([7, 9, 4], 0.005, seed=3)
    parts = fiberpo_parts(log_ratio, mask, c_pos=0.5, c_neg=0.5, eps=0.5)
    mean = log_ratio.sum(-1) / mask.sum(-1)
    fiber = (parts.log_gate - parts.base_log_weight[:, None])[mask]
    assert torch.allclose(fiber, (log_ratio - mean[:, None])[mask], atol=1e-15)
    assert torch.allclose(parts.log_gate[mask], log_ratio[mask], atol=1e-15)  # G-I and L-I: G = r
    zero = torch.zeros_like(log_ratio)
    assert torch.equal(fc.fiberpo_gate(zero, mask, **HYPER)[mask], torch.ones(int(mask.sum()), dtype=torch.float64))


def test_sign_zero_convention_does_not_change_value():
    """A token with log r = 0 gets clip(log s-) - clip(log s+) whichever label it takes (clip is odd)."""
    log_ratio = torch.tensor([[0.0, 0.3, -0.2, 0.0, 0.05]], dtype=torch.float64)
    mask = torch.ones_like(log_ratio, dtype=torch.bool)
    parts = fiberpo_parts(log_ratio, mask, **HYPER)
    fiber = parts.log_gate - parts.base_log_weight[:, None]
    eps = HYPER["eps"]
    as_negative = min(max(parts.log_s_neg.item(), -eps), eps) - min(max(parts.log_s_pos.item(), -eps), eps)
    assert fiber[0, 0].item() == pytest.approx(as_negative, abs=1e-15)


def test_textbook_ppo_grpo_gspo():
    log_ratio, mask, adv = ragged_batch([5, 3, 8, 1], 0.3, seed=1)
    lp, old = log_ratio.clone(), torch.zeros_like(log_ratio)
    r = torch.exp(log_ratio)
    terms = [[ppo_term(r[b, t].item(), adv[b].item(), 0.2, 0.28) for t in range(int(mask[b].sum()))] for b in range(4)]
    ppo = sum(sum(row) for row in terms) / int(mask.sum())
    grpo = sum(sum(row) / len(row) for row in terms) / 4
    hyper = dict(eps_low=0.2, eps_high=0.28)
    assert fc.surrogate("ppo", lp, old, adv, mask, **hyper).item() == pytest.approx(ppo, abs=1e-14)
    assert fc.surrogate("grpo", lp, old, adv, mask, **hyper).item() == pytest.approx(grpo, abs=1e-14)
    gspo = 0.0
    for b in range(4):
        s = math.exp(log_ratio[b, mask[b]].mean().item())
        gspo += ppo_term(s, adv[b].item(), 3e-4, 4e-4) / 4
    for token_level in (False, True):
        value = fc.surrogate("gspo", lp, old, adv, mask, token_level=token_level)
        assert value.item() == pytest.approx(gspo, abs=1e-14)


def test_gspo_token_gradient_differs_from_sequence_form_only_in_weighting():
    log_ratio, mask, adv = ragged_batch([6, 4], 1e-5, seed=2)  # inside the clip range
    grads = []
    for token_level in (False, True):
        lp = log_ratio.clone().requires_grad_()
        fc.surrogate("gspo", lp, torch.zeros_like(lp), adv, mask, token_level=token_level).backward()
        grads.append(lp.grad)
    assert torch.allclose(grads[0], grads[1], atol=1e-12)  # same value and same gradient with one advantage per row


def textbook_domain_gate(log_ratio, mask, groups, domains, c_pos, c_neg, eps):
    """eq 31 by explicit loops over groups and domains (trajectory-weighted means, eq 33)."""
    logs = rows(log_ratio, mask)
    s = {ch: [sum(max(sgn * x, 0.0) for x in row) / len(row) for row in logs] for ch, sgn in (("+", 1), ("-", -1))}
    out = torch.zeros_like(log_ratio)
    for b, row in enumerate(logs):
        members_g = [j for j in range(len(logs)) if groups[j] == groups[b]]
        members_d = [j for j in range(len(logs)) if domains[j] == domains[b]]
        t_g, t_d = sum(len(logs[j]) for j in members_g), sum(len(logs[j]) for j in members_d)
        log_w = 0.0
        for ch, c, sgn in (("+", c_pos, 1), ("-", c_neg, -1)):
            s_g = sum(s[ch][j] for j in members_g) / len(members_g)
            s_d = sum(s[ch][j] for j in members_d) / len(members_d)
            terms = g_agg_scalar(s_d, c, t_d) + g_agg_scalar(s_g - s_d, c, t_g) + g_agg_scalar(s[ch][b] - s_g, c, len(row))
            log_w += sgn * terms
        fiber = fiberpo_row(row, 1e9, 1e9, eps)  # base gate transparent: only the residual
        base_free = math.exp(sum(row) / len(row))
        out[b, : len(row)] = torch.tensor([math.exp(log_w) * f / base_free for f in fiber], dtype=torch.float64)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fiberpo_domain_matches_loops(seed):
    lengths = [3, 7, 1, 12, 5, 9, 2, 6]
    log_ratio, mask, _ = ragged_batch(lengths, 0.15, seed)
    groups = torch.tensor([10, 10, 3, 3, 3, 7, 7, 42])
    domains = torch.tensor([1, 1, 5, 5, 5, 1, 1, 5])
    gate = fc.fiberpo_domain_gate(log_ratio, mask, groups, domains, **HYPER)
    expected = textbook_domain_gate(log_ratio, mask, groups.tolist(), domains.tolist(), **HYPER)
    assert max_gap(gate, expected, mask) < 1e-12


def test_fiberpo_domain_per_level_budgets_default_to_shared():
    log_ratio, mask, _ = ragged_batch([4, 6, 5], 0.2, 5)
    groups, domains = torch.tensor([0, 0, 1]), torch.tensor([0, 0, 0])
    shared = fc.fiberpo_domain_gate(log_ratio, mask, groups, domains, **HYPER)
    levels = {level: HYPER["c_pos"] for level in ("domain", "group", "trajectory")}
    per_level = fc.fiberpo_domain_gate(
        log_ratio, mask, groups, domains, c_pos=levels, c_neg=HYPER["c_neg"], eps=HYPER["eps"]
    )
    assert torch.equal(shared, per_level)
    tight = dict(levels, domain=1e-4)
    assert not torch.equal(shared, fc.fiberpo_domain_gate(log_ratio, mask, groups, domains, c_pos=tight, c_neg=0.08, eps=0.03))


def test_surrogate_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        fc.surrogate("trpo2", torch.zeros(1, 1), torch.zeros(1, 1), torch.zeros(1), torch.ones(1, 1))


def test_gspo_token_takes_the_min_per_token_with_that_tokens_advantage_sign():
    from fiberpo_check.engine.objectives.gspo import gspo_gate

    log_ratio = torch.full((1, 2), 0.5, dtype=torch.float64)  # s = e^0.5, far above 1 + eps
    mask = torch.ones(1, 2, dtype=torch.bool)
    advantages = torch.tensor([[1.0, -3.0]], dtype=torch.float64)
    token = gspo_gate(log_ratio, advantages, mask, eps_low=0.2, eps_high=0.2, token_level=True)
    sequence = gspo_gate(log_ratio, advantages, mask, eps_low=0.2, eps_high=0.2)
    s = math.exp(0.5)
    assert token[0].tolist() == pytest.approx([1.2, s])  # A > 0: clipped; A < 0: the pessimistic min keeps s
    assert sequence[0].tolist() == pytest.approx([s, s])  # one sign per trajectory: sum A < 0

"""Determinism on CPU: the same seed gives bitwise the same numbers for checks and training runs."""

import torch

from fiberpo_check.empirical.training.bandit_iteration import IterationConfig, policy_iteration
from fiberpo_check.engine.microbatch import BatchContext
from fiberpo_check.verification.checks.jacobian_probes import GateHyper, identity_radius_check

QUICK_BANDIT = IterationConfig(states=4, arms=3, pulls_per_state=8, iterations=3, inner_steps=3)


def microbatched_run(seed: int, steps: int = 4) -> tuple[torch.Tensor, list[float]]:
    """A tiny FiberPO-Domain RL loop: a tabular token policy, GRPO advantages, two micro-batches per step."""
    gen = torch.Generator().manual_seed(seed)
    prompts, per_prompt, length, vocab = 4, 3, 5, 3
    logits = torch.zeros(prompts, length, vocab, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([logits], lr=0.05)
    groups = torch.arange(prompts).repeat_interleave(per_prompt)
    domains = groups % 2
    losses = []
    for _ in range(steps):
        with torch.no_grad():
            probs = torch.softmax(logits, dim=-1)[groups]  # [B, T, V]
            tokens = torch.multinomial(probs.reshape(-1, vocab), 1, generator=gen).view(len(groups), length)
            lengths = torch.randint(1, length + 1, (len(groups),), generator=gen)
            mask = torch.arange(length)[None, :] < lengths[:, None]
            reward = ((tokens == 0) & mask).sum(dim=1).double() / lengths
            mean = reward.view(prompts, per_prompt).mean(dim=1).repeat_interleave(per_prompt)
            advantages = reward - mean
            old = torch.log_softmax(logits, dim=-1)[groups].gather(2, tokens[..., None]).squeeze(-1)
        ids = dict(group_ids=groups, domain_ids=domains)
        context = BatchContext.from_full_batch("fiberpo_domain", old, old, advantages, mask, **ids)
        optimizer.zero_grad()
        for rows in torch.randperm(len(groups), generator=gen).tensor_split(2):
            log_prob = torch.log_softmax(logits, dim=-1)[groups[rows]].gather(2, tokens[rows, :, None]).squeeze(-1)
            part = (old[rows], advantages[rows], mask[rows])
            loss = context.loss(log_prob, *part, group_ids=groups[rows], domain_ids=domains[rows])
            loss.backward()
            losses.append(loss.item())
        optimizer.step()
    return logits.detach(), losses


def test_microbatched_training_run_is_bitwise_reproducible():
    first, second, other = microbatched_run(0), microbatched_run(0), microbatched_run(1)
    assert torch.equal(first[0], second[0]) and first[1] == second[1]
    assert not torch.equal(first[0], other[0])


def test_bandit_training_preset_is_bitwise_reproducible():
    for method in ("ppo", "gspo", "fiberpo"):
        assert policy_iteration(method, QUICK_BANDIT, seed=3) == policy_iteration(method, QUICK_BANDIT, seed=3)
    assert policy_iteration("fiberpo", QUICK_BANDIT, seed=3) != policy_iteration("fiberpo", QUICK_BANDIT, seed=4)


def test_seeded_check_is_bitwise_reproducible():
    runs = [identity_radius_check(4, GateHyper(), n_random=32, seed=s) for s in (0, 0)]
    assert runs[0] == runs[1]

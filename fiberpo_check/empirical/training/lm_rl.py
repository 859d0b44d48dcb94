"""RL with verifiable rewards on the tiny GPT: G completions per prompt, group advantages, off-policy inner epochs.

One readable loop: rollout -> advantages -> E epochs x M minibatches of the method's surrogate -> diagnostics.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from tqdm import tqdm

from fiberpo_check.envs.tiny_lm.model import GPT
from fiberpo_check.envs.tiny_lm.tasks import DOMAINS, TaskConfig, response_mask, rewards, sample_problems
from fiberpo_check.empirical.training.lm_diagnostics import drift_metrics, gate_fractions
from fiberpo_check.empirical.training.lm_rollout import (
    eval_problems,
    greedy_scores,
    generate,
    response_logits,
    token_entropy,
    token_log_probs,
)
from fiberpo_check.engine.objectives import method, surrogate


LOOPS = ("current", "prior", "uncached")


@dataclass(frozen=True)
class RLConfig:
    """One RL run: method and its hyperparameters, batch shape, inner optimisation and evaluation cadence."""

    method: str
    hyper: dict = field(default_factory=dict)
    steps: int = 40
    prompts_per_domain: int = 4
    group_size: int = 8
    epochs: int = 4
    minibatches: int = 4
    lr: float = 1e-3
    max_grad_norm: float = 1.0
    temperature: float = 1.0  # the policy is softmax(logits / temperature): rollouts, ratios and diagnostics alike
    eval_every: int = 5  # 0: no held-out evaluation
    eval_per_domain: int = 64
    # Benchmark baselines. "prior": the loop before the speed-up (KV-cached generation, the rollout policy's logits
    # from a separate teacher-forced pass, minibatches keep the batch's padding, Adam tensor by tensor); "uncached":
    # the same with generation recomputing the whole prefix per token. "current": cached generation hands over the
    # logits it sampled from, minibatches are cut after their longest response, fused Adam.
    loop: str = "current"

    def __post_init__(self) -> None:
        if self.loop not in LOOPS:
            raise ValueError(f"loop: {self.loop!r} is not one of {LOOPS}")


def group_advantages(reward: torch.Tensor, group_size: int) -> torch.Tensor:
    """GRPO advantages (r - mean_g) / (std_g + 1e-6) over each prompt's G completions, [B]."""
    grouped = reward.view(-1, group_size)
    centred = grouped - grouped.mean(dim=1, keepdim=True)
    return (centred / (grouped.std(dim=1, keepdim=True) + 1e-6)).view(-1)


def method_hyper(config: RLConfig, rows: torch.Tensor, group_ids: torch.Tensor, domain_ids: torch.Tensor) -> dict:
    """The surrogate's keyword arguments for a (mini)batch of rows, with the id tensors the method needs (registry)."""
    available = {"group_ids": group_ids[rows], "domain_ids": domain_ids[rows]}
    return {**config.hyper, **{name: available[name] for name in method(config.method).ids}}


def train(
    model: GPT, config: RLConfig, task: TaskConfig, seed: int, device: str = "cpu", progress: bool = True
) -> list[dict]:
    """Run RL from a copy of `model`; returns one dict of named diagnostics per step (deterministic per seed on CPU)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    policy = copy.deepcopy(model).to(device)
    before = config.loop != "current"
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr, fused=not before)
    held_out = eval_problems(config.eval_per_domain, task, seed).to(device) if config.eval_every else None
    initial = {f"initial_{k}": v for k, v in greedy_scores(policy, held_out, task).items()} if config.eval_every else {}
    history, tokens = [], 0
    bar = tqdm(range(config.steps), desc=f"{config.method} seed {seed}", disable=not progress, leave=False)
    for step in bar:
        # Rollout: G completions per prompt from the current (= old) policy.
        problems = sample_problems(config.prompts_per_domain, task, gen)
        prompts = problems.prompts.repeat_interleave(config.group_size, 0).to(device)
        answers = [a for a in problems.answers for _ in range(config.group_size)]
        domain_ids = problems.domains.repeat_interleave(config.group_size, 0).to(device)
        group_ids = torch.arange(len(problems.answers), device=device).repeat_interleave(config.group_size)
        responses, old_logits = generate(
            policy, prompts, gen, task.max_answer, config.temperature, use_cache=config.loop != "uncached"
        )
        if before:  # the rollout policy's logits recomputed by a teacher-forced pass
            with torch.no_grad():
                old_logits = response_logits(policy, prompts, responses, config.temperature)
        mask = response_mask(responses)
        reward = rewards(responses.cpu(), answers).to(device)
        advantages = group_advantages(reward, config.group_size)
        old_log_prob = token_log_probs(old_logits, responses)
        tokens += int(mask.sum())

        # Update: E epochs over M shuffled minibatches, so later minibatches are off-policy.
        grad_norms = []
        for _ in range(config.epochs):
            for rows in torch.randperm(len(answers), generator=gen).to(device).chunk(config.minibatches):
                # Causal model: cutting the columns after the minibatch's longest response changes no kept logit
                # (the previous loop computed them).
                width = mask.shape[1] if before else int(mask[rows].sum(dim=1).max())
                taken = responses[rows, :width]
                log_prob = token_log_probs(response_logits(policy, prompts[rows], taken, config.temperature), taken)
                objective = surrogate(
                    config.method,
                    log_prob,
                    old_log_prob[rows, :width],
                    advantages[rows],
                    mask[rows, :width],
                    **method_hyper(config, rows, group_ids, domain_ids),
                )
                optimizer.zero_grad()
                (-objective).backward()
                grad_norms.append(float(torch.nn.utils.clip_grad_norm_(policy.parameters(), config.max_grad_norm)))
                optimizer.step()

        # Diagnostics: drift of the updated policy from the rollout policy on the rollout batch.
        with torch.no_grad():
            new_logits = response_logits(policy, prompts, responses, config.temperature)
        log_ratio = torch.where(mask, token_log_probs(new_logits, responses) - old_log_prob, 0.0)
        row = {
            "step": step,
            "tokens": tokens,
            "reward/mean": float(reward.mean()),
            **{f"reward/{name}": float(reward[domain_ids == i].mean()) for i, name in enumerate(DOMAINS)},
            "entropy": float(token_entropy(old_logits)[mask].mean()),
            "grad_norm": sum(grad_norms) / len(grad_norms),  # before clipping
            "grad_clip_rate": sum(norm > config.max_grad_norm for norm in grad_norms) / len(grad_norms),
            "response_length": float(mask.sum(dim=1).double().mean()),
            "response_length/max": int(mask.sum(dim=1).max()),
            **drift_metrics(new_logits, old_logits, log_ratio, mask),
            **gate_fractions(
                config.method, method_hyper(config, torch.arange(len(answers)), group_ids, domain_ids), log_ratio, mask
            ),
        }
        if config.eval_every and (step % config.eval_every == 0 or step == config.steps - 1):
            row.update(greedy_scores(policy, held_out, task), **(initial if step == 0 else {}))
        history.append(row)
        bar.set_postfix(
            reward=f"{row['reward/mean']:.2f}", ent=f"{row['entropy']:.2f}", ratio=f"{row['ratio/mean']:.2f}"
        )
    return history

"""Sampling completions from the tiny GPT (batched incremental decoding with a KV cache), their per-token log-probs
and entropies, and greedy evaluation."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.envs.tiny_lm.model import GPT, KVCache
from fiberpo_check.envs.tiny_lm.tasks import (
    DOMAINS,
    EOS,
    Problems,
    TaskConfig,
    exact_matches,
    rewards,
    sample_problems,
)


@torch.no_grad()
def generate(
    model: GPT,
    prompts: Tensor,
    gen: torch.Generator | None,
    max_new: int,
    temperature: float = 1.0,
    use_cache: bool = True,
) -> tuple[Tensor, Tensor]:
    """Up to `max_new` response tokens per prompt, [B, L] with L <= max_new (stops once every row has emitted '.'),
    and the float32 logits / temperature they were sampled from, [B, L, V] (the rollout policy at every position).

    Sampled with `gen` (greedy when gen is None). use_cache=True decodes incrementally with a KV cache; False
    recomputes the whole prefix for every token (the same tokens, quadratic cost; kept as the benchmark baseline).
    """
    cache = KVCache() if use_cache else None
    seq, step_input, steps = prompts, prompts, []
    ended = torch.zeros(len(prompts), dtype=torch.bool, device=prompts.device)
    for _ in range(max_new):
        logits = model(step_input, cache)[:, -1].float() / temperature
        steps.append(logits)
        if gen is None:
            token = logits.argmax(dim=-1, keepdim=True)
        else:
            probs = torch.softmax(logits, dim=-1).cpu()  # CPU generator: same draws on every device
            token = torch.multinomial(probs, 1, generator=gen).to(seq.device)
        seq = torch.cat([seq, token], dim=1)
        step_input = token if use_cache else seq
        ended |= token[:, 0] == EOS
        if bool(ended.all()):
            break
    return seq[:, prompts.shape[1] :], torch.stack(steps, dim=1)


def response_logits(model: GPT, prompts: Tensor, responses: Tensor, temperature: float = 1.0) -> Tensor:
    """Float32 logits / temperature predicting each response token, [B, L, V] (the policy softmax(logits / T))."""
    seq = torch.cat([prompts, responses], dim=1)
    return model(seq[:, :-1])[:, prompts.shape[1] - 1 :].float() / temperature


def token_log_probs(logits: Tensor, responses: Tensor) -> Tensor:
    """log pi(a_t | s_t) of the response tokens, [B, L]."""
    return torch.log_softmax(logits, dim=-1).gather(-1, responses[..., None])[..., 0]


def token_entropy(logits: Tensor) -> Tensor:
    """Entropy of the next-token distribution at every response position, [B, L]."""
    log_p = torch.log_softmax(logits, dim=-1)
    return -(log_p.exp() * log_p).sum(dim=-1)


@torch.no_grad()
def greedy_scores(model: GPT, problems: Problems, task: TaskConfig) -> dict[str, float]:
    """Greedy reward (per-position credit) per domain and overall, and the exact-match rate, on a fixed set."""
    responses = generate(model, problems.prompts, None, task.max_answer)[0].cpu()
    credit, exact = rewards(responses, problems.answers), exact_matches(responses, problems.answers)
    scores = {f"acc/{name}": float(credit[problems.domains == i].mean()) for i, name in enumerate(DOMAINS)}
    scores["acc/mean"] = float(credit.mean())
    scores["acc/exact"] = float(exact.mean())
    return scores


def eval_problems(per_domain: int, task: TaskConfig, seed: int) -> Problems:
    """The fixed held-out evaluation set of a run (its own generator, independent of training draws)."""
    return sample_problems(per_domain, task, torch.Generator().manual_seed(10_000 + seed))

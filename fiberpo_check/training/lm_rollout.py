"""Sampling completions from the tiny GPT, their per-token log-probs and entropies, and greedy evaluation."""

from __future__ import annotations

import torch
from torch import Tensor

from ..envs.tiny_lm.model import GPT
from ..envs.tiny_lm.tasks import DOMAINS, MAX_ANSWER, PROMPT_LEN, Problems, rewards, sample_problems


@torch.no_grad()
def generate(model: GPT, prompts: Tensor, gen: torch.Generator | None, temperature: float = 1.0) -> Tensor:
    """MAX_ANSWER response tokens per prompt [B, MAX_ANSWER]: sampled with `gen`, greedy when gen is None."""
    seq = prompts
    for _ in range(MAX_ANSWER):
        logits = model(seq)[:, -1].float()
        if gen is None:
            token = logits.argmax(dim=-1, keepdim=True)
        else:
            probs = torch.softmax(logits / temperature, dim=-1).cpu()  # CPU generator: same draws on every device
            token = torch.multinomial(probs, 1, generator=gen).to(seq.device)
        seq = torch.cat([seq, token], dim=1)
    return seq[:, PROMPT_LEN:]


def response_logits(model: GPT, prompts: Tensor, responses: Tensor) -> Tensor:
    """Float32 logits predicting each response token, [B, L, V]."""
    seq = torch.cat([prompts, responses], dim=1)
    return model(seq[:, :-1])[:, PROMPT_LEN - 1 :].float()


def token_log_probs(logits: Tensor, responses: Tensor) -> Tensor:
    """log pi(a_t | s_t) of the response tokens, [B, L]."""
    return torch.log_softmax(logits, dim=-1).gather(-1, responses[..., None])[..., 0]


def token_entropy(logits: Tensor) -> Tensor:
    """Entropy of the next-token distribution at every response position, [B, L]."""
    log_p = torch.log_softmax(logits, dim=-1)
    return -(log_p.exp() * log_p).sum(dim=-1)


@torch.no_grad()
def evaluate(model: GPT, problems: Problems) -> dict[str, float]:
    """Greedy accuracy per domain and overall on a fixed problem set."""
    correct = rewards(generate(model, problems.prompts, None), problems.answers)
    scores = {f"acc/{name}": float(correct[problems.domains == i].mean()) for i, name in enumerate(DOMAINS)}
    scores["acc/mean"] = float(sum(scores.values()) / len(DOMAINS))
    return scores


def eval_problems(per_domain: int, seed: int) -> Problems:
    """The fixed held-out evaluation set of a run (its own generator, independent of training draws)."""
    return sample_problems(per_domain, torch.Generator().manual_seed(10_000 + seed))

"""Brief supervised pretraining of the tiny GPT on all three tasks (loss on answer tokens only)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch.nn import functional as F
from tqdm import tqdm

from ..envs.tiny_lm.model import GPT, GPTConfig
from ..envs.tiny_lm.tasks import MAX_ANSWER, PAD, PROMPT_LEN, VOCAB, encode, response_mask, sample_problems
from .lm_rollout import evaluate, eval_problems, response_logits


@dataclass(frozen=True)
class PretrainConfig:
    """Model size and the length of supervised pretraining."""

    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    steps: int = 300
    batch_per_domain: int = 32
    lr: float = 3e-3
    eval_per_domain: int = 64


def answer_tensor(answers: list[str]) -> torch.Tensor:
    """Answer ids right-padded with PAD to MAX_ANSWER, [B, MAX_ANSWER]."""
    return torch.tensor([encode(a) + [PAD] * (MAX_ANSWER - len(a)) for a in answers])


def pretrain(config: PretrainConfig, seed: int, device: str = "cpu", progress: bool = True) -> tuple[GPT, dict]:
    """A briefly pretrained model and its greedy accuracies per domain (deterministic for a seed on CPU)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    gpt = GPTConfig(len(VOCAB), PROMPT_LEN + MAX_ANSWER, config.n_layer, config.n_head, config.n_embd)
    model = GPT(gpt).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.steps)
    for _ in tqdm(range(config.steps), desc="pretrain", disable=not progress, leave=False):
        problems = sample_problems(config.batch_per_domain, gen)
        targets = answer_tensor(problems.answers)
        logits = response_logits(model, problems.prompts.to(device), targets.to(device))
        mask = response_mask(targets).to(device)
        loss = F.cross_entropy(logits[mask], targets.to(device)[mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    scores = evaluate(model, move(eval_problems(config.eval_per_domain, seed), device))
    return model, {"config": asdict(config), "parameters": model.num_parameters(), **scores}


def move(problems, device: str):
    """Problems with the prompt tensor on `device`."""
    return type(problems)(problems.prompts.to(device), problems.answers, problems.domains)

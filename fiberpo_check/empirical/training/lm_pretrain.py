"""Brief supervised pretraining of the tiny GPT on all three tasks (loss on answer tokens only)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch.nn import functional as F
from tqdm import tqdm

from fiberpo_check.envs.tiny_lm.model import GPT, GPTConfig
from fiberpo_check.envs.tiny_lm.tasks import PAD, VOCAB, TaskConfig, encode, response_mask, sample_problems
from fiberpo_check.empirical.training.lm_rollout import eval_problems, greedy_scores, response_logits


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
    """Answer ids right-padded with PAD to the longest answer, [B, L]."""
    width = max(map(len, answers))
    return torch.tensor([encode(a) + [PAD] * (width - len(a)) for a in answers])


def pretrain(
    config: PretrainConfig, task: TaskConfig, seed: int, device: str = "cpu", progress: bool = True
) -> tuple[GPT, dict]:
    """A briefly pretrained model and its greedy scores per domain (deterministic for a seed on CPU)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    gpt = GPTConfig(len(VOCAB), task.block_size, config.n_layer, config.n_head, config.n_embd)
    model = GPT(gpt).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.steps)
    for _ in tqdm(range(config.steps), desc="pretrain", disable=not progress, leave=False):
        problems = sample_problems(config.batch_per_domain, task, gen)
        targets = answer_tensor(problems.answers)
        logits = response_logits(model, problems.prompts.to(device), targets.to(device))
        mask = response_mask(targets).to(device)
        loss = F.cross_entropy(logits[mask], targets.to(device)[mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    scores = greedy_scores(model, eval_problems(config.eval_per_domain, task, seed).to(device), task)
    return model, {"config": asdict(config), "parameters": model.num_parameters(), **scores}

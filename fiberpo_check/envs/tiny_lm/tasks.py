"""Synthetic tasks with verifiable answers, one domain each: digit reversal, digit sorting, 2-digit + 1-digit addition."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

VOCAB = "_0123456789+=RS."  # '_' pads prompts on the left, '.' ends an answer
PAD, EOS = 0, VOCAB.index(".")
STOI = {ch: i for i, ch in enumerate(VOCAB)}
DOMAINS = ("reverse", "sort", "add")
PROMPT_LEN = 6  # "R1234=", "S1234=", "_12+3="
MAX_ANSWER = 5  # four digits and '.'


def encode(text: str) -> list[int]:
    """Token ids of a string over VOCAB."""
    return [STOI[ch] for ch in text]


def decode(ids) -> str:
    """String of token ids."""
    return "".join(VOCAB[int(i)] for i in ids)


def make_problem(domain: str, gen: torch.Generator) -> tuple[str, str]:
    """(prompt, answer) of one random problem of a domain; the answer ends with '.'."""
    if domain == "add":
        a, b = int(torch.randint(10, 100, (1,), generator=gen)), int(torch.randint(0, 10, (1,), generator=gen))
        return f"{a}+{b}=", f"{a + b}."
    length = int(torch.randint(3, 5, (1,), generator=gen))
    digits = "".join(str(int(d)) for d in torch.randint(0, 10, (length,), generator=gen))
    if domain == "reverse":
        return f"R{digits}=", f"{digits[::-1]}."
    if domain == "sort":
        return f"S{digits}=", f"{''.join(sorted(digits))}."
    raise ValueError(f"domain: {domain!r} is not one of {DOMAINS}")


@dataclass(frozen=True)
class Problems:
    """A batch of problems: left-padded prompt ids [B, PROMPT_LEN], answers as strings, domain index [B]."""

    prompts: Tensor
    answers: list[str]
    domains: Tensor


def sample_problems(per_domain: int, gen: torch.Generator) -> Problems:
    """`per_domain` problems of every domain, in domain order."""
    prompts, answers, domains = [], [], []
    for index, domain in enumerate(DOMAINS):
        for _ in range(per_domain):
            prompt, answer = make_problem(domain, gen)
            prompts.append([PAD] * (PROMPT_LEN - len(prompt)) + encode(prompt))
            answers.append(answer)
            domains.append(index)
    return Problems(torch.tensor(prompts), answers, torch.tensor(domains))


def response_mask(responses: Tensor) -> Tensor:
    """Valid response tokens: everything up to and including the first '.', [B, L] bool."""
    ended_before = (responses == EOS).long().cumsum(dim=1) - (responses == EOS).long()
    return ended_before == 0


def response_texts(responses: Tensor) -> list[str]:
    """Each response up to and including its first '.'."""
    return [decode(row[: int(mask.sum())]) for row, mask in zip(responses, response_mask(responses))]


def rewards(responses: Tensor, answers: list[str]) -> Tensor:
    """Exact-match reward: 1 when the response up to and including '.' equals the answer, else 0."""
    return torch.tensor([float(text == answer) for text, answer in zip(response_texts(responses), answers)])

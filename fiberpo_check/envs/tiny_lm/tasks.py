"""Synthetic tasks with verifiable, long and variable-length answers from short prompts, one domain each.

count: "C<d><n>=" -> n digits counting up from d (mod 10); alt: "A<a><b><n>=" -> n digits alternating a, b;
add: "<a>+<b>=" (two m-digit numbers) -> a scratchpad of m steps "a_i b_i carry_i
sum_i" (least significant digit first), "=" and the sum. n is drawn uniformly from [min_len, max_len] per problem and
m ~ n/5, so answers within one batch differ several-fold in length (and so do the trajectories' T in FiberPO's gates).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

VOCAB = "_0123456789+=CA."  # '_' pads prompts on the left, '.' ends an answer
PAD, EOS = 0, VOCAB.index(".")
STOI = {ch: i for i, ch in enumerate(VOCAB)}
DOMAINS = ("count", "alt", "add")
SCRATCH_STEP = 4  # tokens per scratchpad step of the addition: a_i b_i carry_i sum_i


@dataclass(frozen=True)
class TaskConfig:
    """Answer lengths of the counting and alternating tasks (the addends have about a fifth as many digits)."""

    min_len: int = 8
    max_len: int = 56

    def __post_init__(self) -> None:
        if not 1 <= self.min_len <= self.max_len:
            raise ValueError(f"min_len, max_len: need 1 <= {self.min_len} <= {self.max_len}")

    @property
    def len_width(self) -> int:
        """Digits of the length field in a prompt."""
        return len(str(self.max_len))

    @property
    def add_digits(self) -> tuple[int, int]:
        """Digit range of each addend."""
        return max(1, self.min_len // 5), max(1, self.max_len // 5)

    @property
    def prompt_len(self) -> int:
        """Length every prompt is left-padded to."""
        return max(self.len_width + 4, 2 * self.add_digits[1] + 2)

    @property
    def max_answer(self) -> int:
        """Longest answer (with its '.'), the number of tokens generated at most."""
        return max(self.max_len + 1, (SCRATCH_STEP + 1) * self.add_digits[1] + 3)

    @property
    def block_size(self) -> int:
        """Context length the model needs: prompt plus answer."""
        return self.prompt_len + self.max_answer


def encode(text: str) -> list[int]:
    """Token ids of a string over VOCAB."""
    return [STOI[ch] for ch in text]


def decode(ids) -> str:
    """String of token ids."""
    return "".join(VOCAB[int(i)] for i in ids)


def digits(count: int, gen: torch.Generator) -> str:
    """A random string of `count` decimal digits."""
    return "".join(str(int(d)) for d in torch.randint(0, 10, (count,), generator=gen))


def addition_scratchpad(a: str, b: str) -> str:
    """'a_i b_i carry_i sum_i' per digit from the least significant, then '=', the sum and '.'."""
    steps, carry = [], 0
    for x, y in zip(reversed(a), reversed(b)):
        total = int(x) + int(y) + carry
        steps.append(f"{x}{y}{carry}{total % 10}")
        carry = total // 10
    return "".join(steps) + f"={int(a) + int(b)}."


def recurrence(seed: str, n: int, order: int) -> str:
    """n digits continuing `seed`: x_{t+1} = x_t + 1 mod 10 (order 1) or x_{t+1} = x_{t-1} (order 2)."""
    out = [int(d) for d in seed]
    while len(out) < n:
        out.append((out[-1] + 1) % 10 if order == 1 else out[-2])
    return "".join(map(str, out[:n]))


def make_problem(domain: str, config: TaskConfig, gen: torch.Generator) -> tuple[str, str]:
    """(prompt, answer) of one random problem of a domain; the answer ends with '.'."""
    if domain == "add":
        low, high = config.add_digits
        m = int(torch.randint(low, high + 1, (1,), generator=gen))
        a, b = digits(m, gen), digits(m, gen)
        return f"{a}+{b}=", addition_scratchpad(a, b)
    n = int(torch.randint(config.min_len, config.max_len + 1, (1,), generator=gen))
    length = str(n).zfill(config.len_width)
    if domain == "count":
        start = digits(1, gen)
        return f"C{start}{length}=", recurrence(start, n, 1) + "."
    if domain == "alt":
        start = digits(2, gen)
        return f"A{start}{length}=", recurrence(start, n, 2) + "."
    raise ValueError(f"domain: {domain!r} is not one of {DOMAINS}")


@dataclass(frozen=True)
class Problems:
    """A batch of problems: left-padded prompt ids [B, prompt_len], answers as strings, domain index [B]."""

    prompts: Tensor
    answers: list[str]
    domains: Tensor

    def to(self, device: str) -> Problems:
        """The same problems with the prompt tensor on `device`."""
        return Problems(self.prompts.to(device), self.answers, self.domains)


def sample_problems(per_domain: int, config: TaskConfig, gen: torch.Generator) -> Problems:
    """`per_domain` problems of every domain, in domain order."""
    prompts, answers, domains = [], [], []
    for index, domain in enumerate(DOMAINS):
        for _ in range(per_domain):
            prompt, answer = make_problem(domain, config, gen)
            prompts.append([PAD] * (config.prompt_len - len(prompt)) + encode(prompt))
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


def token_credit(text: str, answer: str) -> float:
    """Fraction of positions where text and answer agree, over the longer of the two (1 only for an exact match)."""
    return sum(x == y for x, y in zip(text, answer)) / max(len(text), len(answer))


def rewards(responses: Tensor, answers: list[str]) -> Tensor:
    """Verifiable reward: per-position credit against the answer (exact match scores 1), [B]."""
    return torch.tensor([token_credit(text, answer) for text, answer in zip(response_texts(responses), answers)])


def exact_matches(responses: Tensor, answers: list[str]) -> Tensor:
    """1 where the response up to and including '.' equals the answer, else 0, [B]."""
    return torch.tensor([float(text == answer) for text, answer in zip(response_texts(responses), answers)])

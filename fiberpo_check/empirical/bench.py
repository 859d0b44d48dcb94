"""Side-by-side cost of the FiberPO losses against the GRPO loss (time and peak memory of forward + backward), and
RL tokens per second of the tiny-LM loop against the previous loop (`--lm`).

Every variant runs on the same padded float32 batch in one process, interleaved round by round; `ms` is the
median over rounds, ratios are medians of per-round ratios (same round, same machine load). Peak memory is the high-water mark of CPU tensor storage allocated during one call
(the running sum of the allocator's alloc/free events recorded by torch.profiler), above what was live before.
The floor is one fused elementwise pass over the inputs (read log-probs, old log-probs, advantages, mask; write
one output), compiled so that it really is a single pass.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable

import torch
from torch import Tensor
from torch.profiler import profile

from fiberpo_check.envs.tiny_lm.tasks import TaskConfig
from fiberpo_check.empirical.training.lm_pretrain import PretrainConfig, pretrain
from fiberpo_check.empirical.training.lm_rl import LOOPS, RLConfig, train
from fiberpo_check.engine.objectives.fiberpo import FIBERPO_HYPER
from fiberpo_check.losses import (
    compute_policy_loss_fiberpo,
    compute_policy_loss_fiberpo_domain,
    compute_policy_loss_grpo,
)

LOSSES = {
    "grpo": compute_policy_loss_grpo,
    "fiberpo": compute_policy_loss_fiberpo,
    "fiberpo_domain": compute_policy_loss_fiberpo_domain,
}
MODES = ("eager", "compiled")
SHAPES = ((256, 4096), (64, 16384))


@dataclass(frozen=True)
class BenchRow:
    """One measured variant; ratios are against GRPO in the same mode and shape, x_floor against the floor."""

    name: str
    shape: list
    mode: str
    ms: float
    ratio_vs_grpo: float | None  # None for the floor row
    peak_mem_ratio: float | None
    x_floor: float
    peak_mem_mb: float


def bench_batch(batch: int, width: int, seed: int = 0) -> dict:
    """Ragged float32 batch: lengths in [width/4, width], drifts from on-policy to far off (every gate regime)."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(width // 4, width + 1, (batch,), generator=gen)
    mask = torch.arange(width)[None, :] < lengths[:, None]
    old = -2 * torch.rand(batch, width, generator=gen)
    drift = torch.logspace(-3, -0.5, batch)[torch.randperm(batch, generator=gen)][:, None]
    log_prob = old + drift * torch.randn(batch, width, generator=gen) + drift / 4
    advantages = torch.randn(batch, 1, generator=gen).expand(batch, width) * mask
    groups = torch.arange(batch) // 8
    return {
        "log_prob": log_prob,
        "old_log_prob": old,
        "advantages": advantages.contiguous(),
        "mask": mask,
        "config": {"fiberpo_group_ids": groups, "fiberpo_domain_ids": groups % 4},
    }


def loss_step(name: str, mode: str, data: dict) -> Callable[[], None]:
    """One forward + backward of a loss on a fresh leaf copy of the log-probs."""
    loss_fn, config = LOSSES[name], dict(data["config"], fiberpo_compile=mode == "compiled")

    def step() -> None:
        leaf = data["log_prob"].detach().clone().requires_grad_()
        loss, _ = loss_fn(data["old_log_prob"], leaf, data["advantages"], data["mask"], config=config)
        loss.backward()

    return step


def one_pass(log_prob: Tensor, old_log_prob: Tensor, advantages: Tensor, mask: Tensor) -> Tensor:
    """The floor: read the four inputs once, write one output."""
    return torch.where(mask, (log_prob - old_log_prob) * advantages, 0)


def floor_step(data: dict) -> Callable[[], None]:
    """The compiled single pass over the same tensors."""
    fused = torch.compile(one_pass, dynamic=False)
    inputs = (data["log_prob"], data["old_log_prob"], data["advantages"], data["mask"])
    return lambda: fused(*inputs)


def peak_bytes(step: Callable[[], None]) -> int:
    """High-water mark of tensor storage allocated during one call, above what was live before it."""
    with profile(profile_memory=True) as prof:
        step()
    events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events() if e.name() == "[memory]")
    live = peak = 0
    for _, nbytes in events:
        live += nbytes
        peak = max(peak, live)
    return peak


def round_times(steps: dict, repeats: int, warmup: int) -> dict[object, list[float]]:
    """Wall times (ms) per variant in `repeats` interleaved rounds (rotating order), after `warmup` rounds."""
    times: dict = {key: [] for key in steps}
    keys = list(steps)
    for round_ in range(warmup + repeats):
        for key in keys[round_ % len(keys) :] + keys[: round_ % len(keys)]:
            start = time.perf_counter()
            steps[key]()
            if round_ >= warmup:
                times[key].append(1e3 * (time.perf_counter() - start))
    return times


def paired_ratio(times: list[float], baseline: list[float]) -> float:
    """Median over rounds of the per-round time ratio (both measured in the same round, so load shifts cancel)."""
    return statistics.median(t / b for t, b in zip(times, baseline))


def bench_shape(batch: int, width: int, modes: tuple = MODES, repeats: int = 9, warmup: int = 2) -> list[BenchRow]:
    """Rows for every loss and mode at one shape (GRPO rows have ratio 1)."""
    data = bench_batch(batch, width)
    steps = {(name, mode): loss_step(name, mode, data) for mode in modes for name in LOSSES}
    steps[("floor", "compiled")] = floor_step(data)
    times = round_times(steps, repeats, warmup)
    peaks = {key: peak_bytes(step) for key, step in steps.items()}
    floor = times[("floor", "compiled")]
    return [
        BenchRow(
            name=name,
            shape=[batch, width],
            mode=mode,
            ms=round(statistics.median(times[name, mode]), 3),
            ratio_vs_grpo=round(paired_ratio(times[name, mode], times["grpo", mode]), 3),
            peak_mem_ratio=round(peaks[name, mode] / peaks["grpo", mode], 3),
            x_floor=round(paired_ratio(times[name, mode], floor), 2),
            peak_mem_mb=round(peaks[name, mode] / 2**20, 2),
        )
        for mode in modes
        for name in LOSSES
    ] + [BenchRow("floor", [batch, width], "compiled", round(statistics.median(floor), 3), None, None, 1.0,
                  round(peaks["floor", "compiled"] / 2**20, 2))]


def run_bench(shapes=SHAPES, modes: tuple = MODES, repeats: int = 9, warmup: int = 2) -> list[dict]:
    """Every shape's rows as plain dicts (the content of results/bench.json)."""
    return [asdict(row) for batch, width in shapes for row in bench_shape(batch, width, modes, repeats, warmup)]


def same_history(first: list[dict], second: list[dict], rtol: float = 1e-4) -> bool:
    """Two RL histories have the same steps and keys, and every logged number agrees to a relative `rtol` (the
    loops differ only in float32 rounding, so a sampled token that differed would show as a reward or length gap)."""
    return len(first) == len(second) and all(
        a.keys() == b.keys() and all(math.isclose(a[k], b[k], rel_tol=rtol, abs_tol=1e-6) for k in a)
        for a, b in zip(first, second)
    )


def rl_tokens_per_second(lm: dict, steps: int = 2, repeats: int = 3, warmup: int = 1) -> dict:
    """RL tokens/s of `steps` FiberPO steps of an LM preset (its task, pretrained model and RL settings) for the loop as
    it is (RLConfig.loop "current") against the loop before the speed-up ("prior": KV-cached generation, a separate
    teacher-forced pass for the rollout log-probs, padded minibatches, tensor-by-tensor Adam) and against that loop
    without the KV cache ("uncached"): same process, model and seed (so the same tokens), interleaved rounds; each
    speed-up is the median per-round time ratio."""
    task = TaskConfig(**lm["task"])
    model, scores = pretrain(PretrainConfig(**lm["pretrain"]), task, seed=0, progress=False)
    settings = {**lm["rl"], "steps": steps, "eval_every": 0}
    hyper = dict(FIBERPO_HYPER)
    histories = {}

    def step(loop: str) -> Callable[[], None]:
        def run() -> None:
            histories[loop] = train(model, RLConfig("fiberpo", hyper, **settings, loop=loop), task, seed=0,
                                    progress=False)

        return run

    times = round_times({loop: step(loop) for loop in LOOPS}, repeats, warmup)
    tokens = histories["current"][-1]["tokens"]
    return {
        "task": asdict(task),
        "parameters": scores["parameters"],
        "rl_steps": steps,
        "rl_tokens": tokens,
        "mean_response_length": statistics.mean(row["response_length"] for row in histories["current"]),
        "tokens_per_s": {loop: round(tokens / (statistics.median(times[loop]) / 1e3), 1) for loop in LOOPS},
        "speedup_vs_prior": round(paired_ratio(times["prior"], times["current"]), 2),
        "speedup_vs_uncached": round(paired_ratio(times["uncached"], times["current"]), 2),
        "same_run": all(same_history(histories["current"], histories[loop]) for loop in LOOPS),
        "rounds": repeats,
    }

"""Data-parallel BatchContext: FiberPO-Domain aggregates (eq 33), normalisers and adjoints all-reduced over ranks."""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor

from fiberpo_check.engine.microbatch import BatchContext


class ProcessGroupCollective:
    """Sums and concatenations over the ranks of a torch.distributed process group (gloo or nccl)."""

    def __init__(self, group: dist.ProcessGroup | None = None):
        if not dist.is_available() or not dist.is_initialized():
            raise ValueError("group: torch.distributed is not initialised (call init_process_group first)")
        self.group = group
        self.world_size = dist.get_world_size(group)

    def sum(self, x: Tensor) -> Tensor:
        """all_reduce(SUM) of a copy of `x`."""
        total = x.clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM, group=self.group)
        return total

    def cat(self, x: Tensor) -> Tensor:
        """all_gather of 1-D tensors of different lengths, concatenated in rank order."""
        size = torch.tensor([x.numel()], device=x.device)
        sizes = [torch.zeros_like(size) for _ in range(self.world_size)]
        dist.all_gather(sizes, size, group=self.group)
        width = int(max(sizes))
        padded = torch.cat((x, x.new_zeros(width - x.numel())))
        parts = [torch.empty_like(padded) for _ in range(self.world_size)]
        dist.all_gather(parts, padded, group=self.group)
        return torch.cat([part[: int(n)] for part, n in zip(parts, sizes)])


def context_from_shard(
    method: str,
    log_prob: Tensor,
    old_log_prob: Tensor,
    advantages: Tensor,
    mask: Tensor,
    *,
    group: dist.ProcessGroup | None = None,
    **options,
) -> BatchContext:
    """Pass 1 on this rank's shard with whole-batch sums all-reduced over `group`; every rank must call it."""
    collective = ProcessGroupCollective(group)
    return BatchContext.from_full_batch(
        method, log_prob, old_log_prob, advantages, mask, collective=collective, **options
    )

"""Data-parallel invariance: DDP over gloo processes, trajectories sharded (prompt groups split across ranks),
aggregates all-reduced; the averaged gradients equal the single-process full-batch gradient."""

import contextlib
import itertools
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

from fiberpo_check.engine.aggregation import MODES
from fiberpo_check.engine.distributed import context_from_shard
from fiberpo_check.engine.microbatch import CONTEXT_METHODS
from tests.test_microbatch import HYPER, hierarchical_batch, reference_loss, rows_of

WORLD_SIZE = 3
RANK_TIMEOUT_S = 300
CASES = list(itertools.product(CONTEXT_METHODS, MODES))


class TabularPolicy(torch.nn.Module):
    """log pi(a | s) from a table of logits, one row per state."""

    def __init__(self, n_states: int, n_actions: int):
        super().__init__()
        gen = torch.Generator().manual_seed(3)
        self.logits = torch.nn.Parameter(0.3 * torch.randn(n_states, n_actions, generator=gen, dtype=torch.float64))

    def forward(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.logits, dim=-1)[states, actions]


def policy_batch():
    """The hierarchical test batch as a tabular policy's tokens; APC-Obj's states are the policy's states."""
    _, old, adv, mask, ids = hierarchical_batch()
    gen = torch.Generator().manual_seed(4)
    states = torch.randint(0, 7, mask.shape, generator=gen)
    actions = torch.randint(0, 3, mask.shape, generator=gen)
    policy = TabularPolicy(7, 3)
    with torch.no_grad():
        old = policy(states, actions) + 0.15 * torch.randn(mask.shape, generator=gen, dtype=torch.float64)
    return states, actions, old, adv, mask, dict(ids, state_ids=states)


def options(method, mode, ids):
    return dict(loss_agg_mode=mode, loss_scale_factor=12.0, **ids, **HYPER.get(method, {}))


def rank_gradients(rank: int, world_size: int, init_file: str, out_file: str) -> None:
    """One DDP rank: shard rank::world_size, pass 1 all-reduced, two micro-batches with no_sync on the first."""
    torch.set_num_threads(1)  # three ranks on a small machine
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    states, actions, old, adv, mask, ids = policy_batch()
    shard = torch.arange(rank, mask.shape[0], world_size)
    states, actions, old, adv, mask = (x[shard] for x in (states, actions, old, adv, mask))
    ids = rows_of(ids, shard)
    model = DistributedDataParallel(TabularPolicy(7, 3))
    grads = {}
    for method, mode in CASES:
        model.zero_grad()
        with torch.no_grad():
            log_prob = model.module(states, actions)
        context = context_from_shard(method, log_prob, old, adv, mask, **options(method, mode, ids))
        first, second = torch.arange(mask.shape[0]).tensor_split(2)
        for rows, sync in ((first, model.no_sync()), (second, contextlib.nullcontext())):
            with sync:
                log_prob = model(states[rows], actions[rows])
                context.loss(log_prob, old[rows], adv[rows], mask[rows], **rows_of(ids, rows)).backward()
        grads[method, mode] = model.module.logits.grad.clone()
    torch.save(grads, f"{out_file}.{rank}")
    dist.destroy_process_group()


def single_process_gradient(method, mode):
    states, actions, old, adv, mask, ids = policy_batch()
    policy = TabularPolicy(7, 3)
    reference_loss(method, mode, policy(states, actions), old, adv, mask, ids).backward()
    return policy.logits.grad


def test_ddp_gradients_equal_single_process_gradient(tmp_path):
    groups = policy_batch()[5]["group_ids"]
    assert any(len({rank % WORLD_SIZE for rank in (groups == g).nonzero().flatten().tolist()}) > 1 for g in groups)
    out_file = str(tmp_path / "grads")
    args = (WORLD_SIZE, str(tmp_path / "init"), out_file)
    # spawned, not forked: a child forked from a worker with live threads can inherit a held lock and hang
    ranks = mp.start_processes(rank_gradients, args=args, nprocs=WORLD_SIZE, join=False, start_method="spawn")
    deadline = time.monotonic() + RANK_TIMEOUT_S
    while not ranks.join(timeout=1):
        if time.monotonic() > deadline:
            for process in ranks.processes:
                process.kill()
            raise AssertionError(f"the {WORLD_SIZE} DDP ranks did not finish within {RANK_TIMEOUT_S} s")
    per_rank = [torch.load(f"{out_file}.{rank}") for rank in range(WORLD_SIZE)]
    for case in CASES:
        expected = single_process_gradient(*case)
        assert expected.abs().max() > 1e-3, case
        for grads in per_rank:
            assert (grads[case] - expected).abs().max() < 1e-12, case

"""The Jacobian claims checked end to end (Props 5.2-5.5, FGH-4): regimes, dense cross-check, scaling, hierarchy."""

from __future__ import annotations

import time

import torch
from torch import Tensor
from torch.func import jacrev

from fiberpo_check.engine.batch import Hierarchy, masked
from fiberpo_check.engine.gates import g_agg_slope
from fiberpo_check.engine.jacobian import fiberpo_log_jacobian
from fiberpo_check.engine.objectives.fiberpo import FIBERPO_HYPER
from fiberpo_check.verification.checks.jacobian_probes import (
    GateHyper,
    autograd_jvp,
    block_leak,
    eq20_probe_gap,
    identity_gap,
    log_gate_map,
    random_tangent,
    relative_gap,
)
from fiberpo_check.verification.checks.probe_batches import (
    REGIMES,
    hierarchy_ids,
    mixed_regime_batch,
    random_lengths,
    regime_batch,
)


def on_device(log_ratio: Tensor, mask: Tensor, device: str, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Move a probe batch to the device and dtype under test."""
    return log_ratio.to(device=device, dtype=dtype), mask.to(device)


def regime_rows(hyper: GateHyper, *, n_traj: int = 24, max_len: int = 40, seed: int = 0, device: str = "cpu",
                dtype: torch.dtype = torch.float64) -> list[dict]:
    """Eq 20 probe gaps and trajectory block leak for every (positive, negative) base-gate regime pair (Props 5.2-3)."""
    rows = []
    lengths = random_lengths(n_traj, max_len, seed=seed)
    for index, (pos, neg) in enumerate((p, n) for p in REGIMES for n in REGIMES):
        log_ratio, mask = regime_batch(pos, neg, lengths, c_pos=hyper.c_pos, c_neg=hyper.c_neg, seed=seed + index)
        log_ratio, mask = on_device(log_ratio, mask, device, dtype)
        gaps = eq20_probe_gap(log_ratio, mask, hyper, seed=seed)
        leak = block_leak(log_gate_map(mask, hyper), log_ratio, mask, torch.arange(n_traj), seed=seed)
        rows.append({"regime_pos": pos, "regime_neg": neg, "eq20_jvp": gaps["jvp"], "eq20_vjp": gaps["vjp"],
                     "trajectory_leak": leak})
    return rows


def dense_log_jacobian(log_ratio: Tensor, mask: Tensor, fn) -> Tensor:
    """The full d log G / d log r by reverse-mode autodiff, shape [B, T, B, T] (small batches only)."""
    return jacrev(fn)(log_ratio)


def dense_cross_check(hyper: GateHyper, *, n_traj: int = 6, max_len: int = 7, seed: int = 0) -> dict:
    """Dense autodiff Jacobian vs the eq-20 blocks of jacobian.py, its off-block part, and the JVP probe."""
    lengths = random_lengths(n_traj, max_len, seed=seed)
    log_ratio, mask = mixed_regime_batch(lengths, c_pos=hyper.c_pos, c_neg=hyper.c_neg, seed=seed)
    fn = log_gate_map(mask, hyper)
    dense = dense_log_jacobian(log_ratio, mask, fn)
    same_row = torch.eye(n_traj, dtype=torch.bool)[:, None, :, None].expand_as(dense)
    blocks = torch.diagonal(dense, dim1=0, dim2=2).permute(2, 0, 1)
    closed = fiberpo_log_jacobian(log_ratio, mask, c_pos=hyper.c_pos, c_neg=hyper.c_neg, eps=hyper.eps)
    v = random_tangent(log_ratio, mask, seed)
    return {
        "eq20_blocks": relative_gap(blocks, closed),
        "off_block_max": float(dense[~same_row].abs().max()),
        "jvp_vs_dense": relative_gap(autograd_jvp(fn, log_ratio, v), torch.einsum("itjs,js->it", dense, v)),
    }


def probe_suite(log_ratio: Tensor, mask: Tensor, hyper: GateHyper, seed: int = 0) -> dict:
    """Every matrix-free check on one batch: eq 20 JVP/VJP, trajectory block leak, identity at on-policy."""
    gaps = eq20_probe_gap(log_ratio, mask, hyper, seed=seed)
    leak = block_leak(log_gate_map(mask, hyper), log_ratio, mask, torch.arange(mask.shape[0]), n_probes=2, seed=seed)
    identity = identity_gap(mask, hyper, dtype=log_ratio.dtype, seed=seed)
    return {"eq20_jvp": gaps["jvp"], "eq20_vjp": gaps["vjp"], "trajectory_leak": leak,
            "identity_value": identity["value"], "identity_jvp": identity["jvp"]}


def scaling_rows(token_counts: list[int], hyper: GateHyper, *, mean_len: int = 512, seed: int = 0,
                 device: str = "cpu", dtype: torch.dtype = torch.float64, repeats: int = 2, threads: int = 1,
                 progress=None) -> list[dict]:
    """Best-of-`repeats` seconds for the full probe suite at each token count (lengths uniform in [1, 2 mean_len-1]).

    Runs with `threads` CPU threads (1 by default: on a shared, loaded machine more threads only add contention)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return timed_rows(token_counts, hyper, mean_len, seed, device, dtype, repeats, progress)
    finally:
        torch.set_num_threads(previous)


def timed_rows(token_counts, hyper, mean_len, seed, device, dtype, repeats, progress) -> list[dict]:
    """The measurement loop of scaling_rows."""
    rows = []
    warm = on_device(*mixed_regime_batch(random_lengths(4, 8, seed=seed), c_pos=hyper.c_pos, c_neg=hyper.c_neg,
                                         seed=seed), device, dtype)
    probe_suite(*warm, hyper, seed=seed)
    for tokens in token_counts:
        lengths = random_lengths(max(1, tokens // mean_len), 2 * mean_len - 1, seed=seed)
        log_ratio, mask = on_device(*mixed_regime_batch(lengths, c_pos=hyper.c_pos, c_neg=hyper.c_neg, seed=seed),
                                    device, dtype)
        timings = []
        for _ in range(repeats):
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
            result = probe_suite(log_ratio, mask, hyper, seed=seed)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            timings.append(time.perf_counter() - start)
        row = {"tokens": int(mask.sum()), "trajectories": int(mask.shape[0]), "seconds": min(timings), **result}
        rows.append(row)
        if progress:
            progress(row)
    return rows


def scaling_exponent(rows: list[dict]) -> float:
    """Least-squares slope of log(seconds) on log(tokens) over the rows with >= 1e5 tokens (1 = linear)."""
    big = [row for row in rows if row["tokens"] >= 100_000] or rows
    x = torch.log(torch.tensor([float(row["tokens"]) for row in big]))
    y = torch.log(torch.tensor([row["seconds"] for row in big]))
    if x.numel() < 2:
        return float("nan")
    return float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())


def scale_separation_rows(hyper: GateHyper, lengths: tuple[int, ...] = (4, 16, 64, 256), *,
                          seed: int = 0, coupling_scale: str = "1/T") -> list[dict]:
    """Size of the self term (a) and the coupling term (b) of eq 20 as T grows, per base regime (Prop 5.5).

    coupling_scale "1" drops the 1/T weight of (b) (a negative control of the scaling check)."""
    if coupling_scale not in ("1/T", "1"):
        raise ValueError(f"coupling_scale: {coupling_scale!r} must be '1/T' or '1'")
    rows = []
    for regime in ("pass", "rollback", "zeroed"):
        for length in lengths:
            log_ratio, mask = regime_batch(regime, regime, torch.full((4,), length), c_pos=hyper.c_pos,
                                           c_neg=hyper.c_neg, seed=seed, spread=0.3)
            jac = fiberpo_log_jacobian(log_ratio, mask, c_pos=hyper.c_pos, c_neg=hyper.c_neg, eps=hyper.eps)
            parts = hyper.parts(log_ratio, mask)
            self_term = torch.diag_embed(masked((parts.same_sign.abs() <= hyper.eps).to(jac.dtype), mask))
            coupling = (jac - self_term) * (length if coupling_scale == "1" else 1)
            rows.append({"regime": regime, "T": length, "self_max": float(self_term.abs().max()),
                         "coupling_entry_max": float(coupling.abs().max()),
                         "coupling_entry_max_times_T": float(coupling.abs().max()) * length,
                         "coupling_operator_norm": float(torch.linalg.matrix_norm(coupling, ord=2).max())})
    return rows


def domain_predicted_cross_coupling(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """Predicted d log G_i / d log r_j for tau_i != tau_j in FiberPO-Domain, [B, T, B, T] (derived from eqs 31, 33):

    (1/T_tau_j) [ (gamma_D - gamma_g) / |Tj(D)| 1[tau_j in D] + (gamma_g - gamma_tau) / |Tj(g)| 1[tau_j in g] ],
    slopes taken in token j's channel at token i's domain, group and trajectory gates.
    """
    parts = hyper.parts(log_ratio, mask)
    hierarchy = Hierarchy.from_ids(hyper.group_ids, hyper.domain_ids, mask.shape[0])
    ones = torch.ones(mask.shape[0], dtype=log_ratio.dtype)
    group_size = torch.zeros(hierarchy.n_groups, dtype=log_ratio.dtype).index_add(0, hierarchy.group, ones)
    domain_size = torch.zeros(hierarchy.n_domains, dtype=log_ratio.dtype).index_add(0, hierarchy.domain, ones)
    same_group = (hierarchy.group[:, None] == hierarchy.group[None, :]).to(log_ratio.dtype)
    same_domain = (hierarchy.domain[:, None] == hierarchy.domain[None, :]).to(log_ratio.dtype)

    def channel(name: str) -> Tensor:
        slope = {level: g_agg_slope(*parts.base_gates[(name, level)]) for level in ("domain", "group", "trajectory")}
        return ((slope["domain"] - slope["group"]) / domain_size[hierarchy.domain])[:, None] * same_domain + (
            (slope["group"] - slope["trajectory"]) / group_size[hierarchy.group]
        )[:, None] * same_group  # [B (row), B (column trajectory)]

    positive = (log_ratio >= 0) & mask
    per_column = torch.where(positive[None, :, :], channel("pos")[:, :, None], channel("neg")[:, :, None])
    per_column = masked(per_column / parts.lengths[None, :, None], mask[None])  # [B, B, T]
    cross = per_column[:, None, :, :].expand(-1, mask.shape[1], -1, -1) * mask[:, :, None, None]
    return cross * (1 - torch.eye(mask.shape[0], dtype=log_ratio.dtype))[:, None, :, None]


DOMAIN_SCENARIOS = {
    "all levels pass-through": {"domain": 1.0, "group": 1.0, "trajectory": 1.0},
    "trajectory level gated": {"domain": 1.0, "group": 1.0, "trajectory": 1e-3},
    "group level gated": {"domain": 1.0, "group": 1e-3, "trajectory": 1.0},
    "domain level gated": {"domain": 1e-3, "group": 1.0, "trajectory": 1.0},
    "paper shared budget": None,
}


def domain_structure_rows(*, n_traj: int = 12, max_len: int = 6, group_size: int = 2, groups_per_domain: int = 3,
                          seed: int = 0, eps: float = 0.02) -> list[dict]:
    """FiberPO-Domain Jacobian structure: leaks at trajectory/group/domain partitions and the predicted coupling."""
    group_ids, domain_ids = hierarchy_ids(n_traj, group_size, groups_per_domain)
    lengths = random_lengths(n_traj, max_len, seed=seed)
    log_ratio, mask = mixed_regime_batch(lengths, c_pos=FIBERPO_HYPER["c_pos"], c_neg=FIBERPO_HYPER["c_neg"], seed=seed)
    rows = []
    for name, budget in DOMAIN_SCENARIOS.items():
        hyper = GateHyper(c_pos=budget or FIBERPO_HYPER["c_pos"], c_neg=budget or FIBERPO_HYPER["c_neg"], eps=eps,
                          group_ids=group_ids, domain_ids=domain_ids)
        fn = log_gate_map(mask, hyper)
        dense = dense_log_jacobian(log_ratio, mask, fn)
        off = dense * (1 - torch.eye(n_traj, dtype=dense.dtype))[:, None, :, None]
        predicted = domain_predicted_cross_coupling(log_ratio, mask, hyper)

        def leak(block: Tensor) -> float:
            outside = (block[:, None] != block[None, :]).to(dense.dtype)[:, None, :, None]
            return float((dense * outside).abs().max())

        rows.append({"scenario": name, "trajectory_leak": leak(torch.arange(n_traj)), "group_leak": leak(group_ids),
                     "domain_leak": leak(domain_ids), "cross_coupling_max": float(off.abs().max()),
                     "prediction_gap": float((off - predicted).abs().max())})
    return rows

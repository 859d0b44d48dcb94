"""Crafted verl-style probe batches for the conformance checker: every regime at every length, masks, hierarchies."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import torch
from torch import Tensor

from fiberpo_check.verification.checks.probe_batches import REGIMES, mixed_regime_batch, padded_mask, regime_batch
from fiberpo_check.verification.conform_variants import FIBER_VARIANTS, VARIANTS, default_hyper

LOGCLIP_EPS = 0.25  # wide enough that logclip [e^-eps, e^eps] and a ratio clip [1-eps, 1+eps] differ by ~eps^2/2
NEAR_ON_POLICY = 1e-4  # inside the identity neighbourhood (G = r exactly) of every probe
LARGE_LOG_RATIO = 15.0  # past any log-ratio clamp at 10, inside the engine's exp guard at 20
LONG_LENGTHS = (1, 3, 40, 512, 4096)  # constant-trajectory lengths for the rollback slope and zeroing
GARBAGE = {"NaN": float("nan"), "+inf": float("inf"), "-inf": float("-inf")}


@dataclass
class Probe:
    """One call's inputs in verl's policy-loss signature (log_prob is the tensor differentiated).

    `config` holds the canonical hyperparameters (the checker renames them for the candidate); advantages are
    always [B, T] (verl's shape), with `row_advantages` [B] when they are constant per trajectory.
    """

    family: str
    name: str
    old_log_prob: Tensor
    log_prob: Tensor
    advantages: Tensor
    response_mask: Tensor
    config: dict = field(default_factory=dict)
    rollout_is_weights: Tensor | None = None
    row_advantages: Tensor | None = None
    kinks: Tensor | None = None  # valid tokens at a kink of the definition (ties, log r = 0): one-sided gradients
    twin: "Probe | None" = None  # robustness probes: the clean batch the loss must treat alike (up to a scale)
    twin_rows: Tensor | None = None  # rows of this probe that the twin holds (the twin drops fully masked rows)

    def float64(self) -> "Probe":
        """The same inputs (already rounded to the probe's dtype) as float64: where the reference is evaluated."""
        def wide(x):
            return x.to(torch.float64) if isinstance(x, Tensor) and x.is_floating_point() else x

        return replace(self, old_log_prob=wide(self.old_log_prob), log_prob=wide(self.log_prob),
                       advantages=wide(self.advantages), rollout_is_weights=wide(self.rollout_is_weights),
                       row_advantages=wide(self.row_advantages))

    @property
    def label(self) -> str:
        """family/name, as printed in counterexamples."""
        return f"{self.family}/{self.name}"

    def with_config(self, **changes) -> "Probe":
        """The same batch with some hyperparameters changed (the label says which)."""
        shown = ", ".join(f"{k}={v}" for k, v in changes.items())
        return replace(self, name=f"{self.name} [{shown}]", config={**self.config, **changes})


def interleaved_hierarchy(n_rows: int, seed: int) -> tuple[Tensor, Tensor]:
    """Unequal prompt groups (sizes 1-4) in 2-3 domains, rows shuffled so no group or domain is contiguous.

    Ids are arbitrary integers (not 0..n-1), so a loss that assumes consecutive equal groups is caught (Def 6.4).
    """
    gen = torch.Generator().manual_seed(seed)
    sizes, total = [], 0
    while total < n_rows:
        sizes.append(min(int(torch.randint(1, 5, (1,), generator=gen)), n_rows - total))
        total += sizes[-1]
    group = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    domain = group % min(3, max(1, len(sizes)))
    order = torch.randperm(n_rows, generator=gen)
    return 7 * group[order] + 11, 5 * domain[order] + 2


def variant_config(variant: str, n_rows: int, device: str, seed: int = 0, hyper: dict | None = None) -> dict:
    """Canonical hyperparameters of a variant (with `hyper` overrides); FiberPO-Domain gets an interleaved,
    unequal hierarchy."""
    config = default_hyper(variant) | (hyper or {})
    if variant == "fiberpo_domain":
        group, domain = interleaved_hierarchy(n_rows, seed)
        config |= {"fiberpo_group_ids": group.to(device), "fiberpo_domain_ids": domain.to(device)}
    return config


def make_probe(family: str, name: str, log_ratio: Tensor, mask: Tensor, variant: str, *, seed: int, dtype, device,
               hyper: dict, old_log_prob: Tensor | None = None, token_advantages: bool = False) -> Probe:
    """Wrap log-ratios into (old_log_prob, log_prob = old + log r, [B, T] advantages, mask, config)."""
    gen = torch.Generator().manual_seed(seed)
    shape = mask.shape
    if old_log_prob is None:
        old_log_prob = -0.1 - 3 * torch.rand(shape, generator=gen, dtype=torch.float64)
    rows = torch.randn(shape[0], generator=gen, dtype=torch.float64)
    advantages = torch.randn(shape, generator=gen, dtype=torch.float64) if token_advantages else rows[:, None]
    advantages = torch.where(mask, advantages.expand(shape), 0.0)
    log_prob = torch.where(mask, old_log_prob + log_ratio, old_log_prob)

    def put(x: Tensor) -> Tensor:
        return x.to(device=device, dtype=dtype)

    return Probe(family, name, put(old_log_prob), put(log_prob), put(advantages), mask.to(device),
                 variant_config(variant, shape[0], device, seed, hyper), None, None if token_advantages else put(rows))


def constant_trajectory(value: float, length: int) -> tuple[Tensor, Tensor]:
    """One trajectory whose every token has log-ratio `value` (base gate input = |value|, fiber residual 0)."""
    return torch.full((1, length), value, dtype=torch.float64), torch.ones(1, length, dtype=torch.bool)


def clip_straddling_batch(lengths: Tensor, eps: float, seed: int) -> Tensor:
    """Log-ratios whose tokens (and trajectory means) sit inside, at and beyond +-eps, in both directions."""
    gen = torch.Generator().manual_seed(seed)
    mask = padded_mask(lengths)
    scales = torch.tensor([0.3, 1.0, 3.0, 10.0], dtype=torch.float64)[torch.arange(len(lengths)) % 4]
    offsets = torch.tensor([0.0, 0.5, -0.5, 2.0, -2.0, 1.2, -0.9], dtype=torch.float64)[torch.arange(len(lengths)) % 7]
    noise = torch.randn(mask.shape, generator=gen, dtype=torch.float64) * scales[:, None]
    return torch.where(mask, eps * (offsets[:, None] + noise), 0.0)


def fiber_families(variant: str, seed: int, kw: dict) -> dict[str, list[Probe]]:
    """FiberPO probe families: all nine regime pairs, long/short mixes up to T = 4096, exact zeros, logclip."""
    c_pos, c_neg = (trajectory_budget(kw["hyper"][key]) for key in ("fiberpo_c_pos", "fiberpo_c_neg"))
    lengths = torch.tensor([2, 5, 17, 9, 1, 33, 4, 12])
    families = {"regimes": [
        make_probe("regimes", f"{pos}+/{neg}-",
                   *regime_batch(pos, neg, lengths, c_pos=c_pos, c_neg=c_neg, seed=seed + 10 * i, zero_frac=0.0),
                   variant, seed=seed + 10 * i + 1, **kw)
        for i, (pos, neg) in enumerate((p, n) for p in REGIMES for n in REGIMES)
    ]}
    long_short = torch.tensor([1, 1, 2, 300, 3, 700, 2, 1])
    long_rows = torch.tensor([4096, 1, 1500, 3])
    families["long_short"] = [
        make_probe("long_short", "lengths 1..700",
                   *mixed_regime_batch(long_short, c_pos=c_pos, c_neg=c_neg, seed=seed + 3, zero_frac=0.0),
                   variant, seed=seed + 4, **kw),
    ] + [
        make_probe("long_short", f"T up to 4096, {pos}+/{neg}-",
                   *regime_batch(pos, neg, long_rows, c_pos=c_pos, c_neg=c_neg, seed=seed + 5 + i, zero_frac=0.0),
                   variant, seed=seed + 6 + i, token_advantages=True, **kw)
        for i, (pos, neg) in enumerate((("rollback", "rollback"), ("zeroed", "rollback"), ("rollback", "zeroed")))
    ]
    zero_ratio, zero_mask = mixed_regime_batch(lengths, c_pos=c_pos, c_neg=c_neg, seed=seed + 5)
    gen = torch.Generator().manual_seed(seed + 6)
    zero_ratio = torch.where(torch.rand(zero_ratio.shape, generator=gen) < 0.3, 0.0, zero_ratio)
    zeros = make_probe("zero_log_ratio", "30% exact zeros", zero_ratio, zero_mask, variant, seed=seed + 7,
                       old_log_prob=torch.zeros(zero_ratio.shape, dtype=torch.float64), **kw)
    families["zero_log_ratio"] = [replace(zeros, kinks=zeros.response_mask & (zeros.log_prob == 0))]
    families["logclip"] = [
        make_probe("logclip", f"saturated fiber clips ({pos}+, eps={LOGCLIP_EPS})",
                   *regime_batch(pos, "pass", lengths, c_pos=c_pos, c_neg=c_neg, seed=seed + 20 + i, spread=2.0,
                                 zero_frac=0.0), variant, seed=seed + 21 + i, **kw).with_config(fiberpo_eps=LOGCLIP_EPS)
        for i, pos in enumerate(("pass", "zeroed"))
    ]
    return families


def clip_families(variant: str, seed: int, kw: dict) -> dict[str, list[Probe]]:
    """Clip-family probes: ratios (and trajectory-mean ratios) inside, at and past both clip edges."""
    eps = min(kw["hyper"]["clip_ratio_low"], kw["hyper"]["clip_ratio_high"])
    lengths = torch.tensor([2, 5, 17, 9, 1, 33, 4, 12, 300, 7, 3, 64, 700, 2])
    log_ratio = clip_straddling_batch(lengths, eps, seed + 8)
    mask = padded_mask(lengths)
    return {"regimes": [
        make_probe("regimes", f"ratios around the clip edges ({kind} advantages)", log_ratio, mask, variant,
                   seed=seed + 9 + i, token_advantages=kind == "token" and variant != "gspo", **kw)
        for i, kind in enumerate(("trajectory", "token"))
    ]}


def trajectory_budget(budget) -> float:
    """The trajectory-level value of a budget (a float, or FiberPO-Domain's per-level dict)."""
    return budget["trajectory"] if isinstance(budget, dict) else float(budget)


def on_policy_probes(variant: str, *, dtype=torch.float64, device: str = "cpu", seed: int = 0,
                     hyper: dict | None = None) -> list[Probe]:
    """log r = 0 with trajectory and token advantages, and a mixed-sign drift inside the identity neighbourhood."""
    kw = {"dtype": dtype, "device": device, "hyper": default_hyper(variant) | (hyper or {})}
    lengths = torch.tensor([2, 5, 17, 9, 1, 33, 4, 12])
    token_level = variant != "gspo"  # GSPO defines one advantage per trajectory
    probes = [
        make_probe("on_policy", f"{kind}-advantages", torch.zeros(len(lengths), int(lengths.max()), dtype=torch.float64),
                   padded_mask(lengths), variant, seed=seed + i, token_advantages=kind == "token" and token_level, **kw)
        for i, kind in enumerate(("trajectory", "token"))
    ]
    gen = torch.Generator().manual_seed(seed + 2)
    near = NEAR_ON_POLICY * torch.randn(len(lengths), int(lengths.max()), generator=gen, dtype=torch.float64)
    return probes + [make_probe("on_policy", f"mixed-sign drift {NEAR_ON_POLICY:g}", near, padded_mask(lengths),
                                variant, seed=seed + 3, token_advantages=token_level, **kw)]


DEGENERATE_CLASSES = ("zero-advantage tokens", "zero-advantage rows", "zero-advantage group", "zero log-ratios",
                      "single-token rows", "equal-length rows", "ties at clip boundaries", "extreme lengths")
EMPTY_ROWS = "empty rows"


def base_log_ratio(variant: str, lengths: Tensor, seed: int, hyper: dict) -> tuple[Tensor, Tensor]:
    """Log-ratios of the variant's ordinary probes (every gate regime) for the given lengths."""
    if variant in FIBER_VARIANTS:
        return mixed_regime_batch(lengths, c_pos=trajectory_budget(hyper["fiberpo_c_pos"]),
                                  c_neg=trajectory_budget(hyper["fiberpo_c_neg"]), seed=seed, zero_frac=0.0)
    return clip_straddling_batch(lengths, min(hyper["clip_ratio_low"], hyper["clip_ratio_high"]), seed), \
        padded_mask(lengths)


def with_advantages(probe: Probe, advantages: Tensor, name: str) -> Probe:
    """The probe with other [B, T] advantages (zero at padding)."""
    advantages = torch.where(probe.response_mask, advantages, 0.0)
    rows = advantages[:, :1].clone() if bool((advantages == advantages[:, :1]).masked_fill(
        ~probe.response_mask, True).all()) else None
    return replace(probe, family="degenerate", name=name, advantages=advantages,
                   row_advantages=None if rows is None else rows[:, 0])


def tie_log_ratio(variant: str, hyper: dict, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """Log-ratios exactly at the definition's kinks: the clip edges log(1 +- eps) (and a dual clip at 3), or FiberPO's
    budget edges log s = C, (1 + 1/T) C and fiber residuals of exactly +-eps."""
    mask = padded_mask(lengths)
    log_ratio = torch.zeros(mask.shape, dtype=torch.float64)
    if variant in FIBER_VARIANTS:
        c_pos, c_neg = (trajectory_budget(hyper[k]) for k in ("fiberpo_c_pos", "fiberpo_c_neg"))
        eps = hyper["fiberpo_eps"]
        edges = [c_pos, (1 + 1 / lengths[1].item()) * c_pos, -c_neg, -(1 + 1 / lengths[3].item()) * c_neg]
        for row, edge in enumerate(edges):
            log_ratio[row, : lengths[row]] = edge
        log_ratio[4, :2] = torch.tensor([0.5 * c_pos - eps, 0.5 * c_pos + eps])  # same-sign residual at +-eps
        return log_ratio, mask
    low, high = hyper["clip_ratio_low"], hyper["clip_ratio_high"]
    edges = torch.tensor([math.log1p(high), math.log1p(-low), math.log(3.0), 0.0], dtype=torch.float64)
    index = torch.arange(mask.shape[1])[None, :] + torch.arange(mask.shape[0])[:, None]
    return torch.where(mask, edges[index % 4], 0.0), mask


def degenerate_probes(variant: str, *, seed: int, dtype, device, hyper: dict) -> dict[str, list[Probe]]:
    """Degenerate but common inputs, one class each (DEGENERATE_CLASSES), plus fully masked rows (EMPTY_ROWS).

    Zero advantages at valid tokens, on whole rows and on a whole group (every GRPO group whose rewards are all
    equal), exact zero log-ratios, single-token rows, rows of equal length (no padding), ties at the clip / budget
    edges, and extreme lengths (1 next to 4096)."""
    kw = {"dtype": dtype, "device": device, "hyper": hyper}
    token_level = variant not in ("gspo",)
    lengths = torch.tensor([3, 7, 1, 12, 5, 9, 2, 6])
    base = make_probe("degenerate", "base", *base_log_ratio(variant, lengths, seed, hyper), variant, seed=seed + 1,
                      token_advantages=token_level, **kw)
    mask = base.response_mask
    gen = torch.Generator().manual_seed(seed + 2)
    classes: dict[str, list[Probe]] = {}
    if token_level:
        zeros = torch.rand(mask.shape, generator=gen) < 0.35
        classes["zero-advantage tokens"] = [with_advantages(base, base.advantages.masked_fill(zeros.to(device), 0.0),
                                                            "35% of valid tokens with A = 0")]
    rows = make_probe("degenerate", "base", *base_log_ratio(variant, lengths, seed, hyper), variant, seed=seed + 3, **kw)
    zero_rows = torch.zeros(len(lengths), 1, dtype=torch.bool, device=device)
    zero_rows[[1, 4]] = True
    classes["zero-advantage rows"] = [with_advantages(rows, rows.advantages.masked_fill(zero_rows, 0.0),
                                                      "rows 1 and 4 with A = 0")]
    group = torch.zeros(len(lengths), 1, dtype=torch.bool, device=device)
    if variant == "fiberpo_domain":
        ids = torch.as_tensor(rows.config["fiberpo_group_ids"], device=device)
        group[:, 0] = ids == ids[0]
    else:
        group[2:5] = True
    classes["zero-advantage group"] = [with_advantages(rows, rows.advantages.masked_fill(group, 0.0),
                                                       "a whole group with A = 0 (equal rewards)")]
    log_ratio, _ = base_log_ratio(variant, lengths, seed + 4, hyper)
    zero = (torch.rand(mask.shape, generator=gen) < 0.3) | (torch.arange(len(lengths)) == 5)[:, None]
    zero_ratio = torch.where(zero, 0.0, log_ratio)
    probe = make_probe("degenerate", "exact zero log-ratios (30% of tokens, all of row 5)", zero_ratio, mask.cpu(),
                       variant, seed=seed + 5, old_log_prob=torch.zeros(mask.shape, dtype=torch.float64),
                       token_advantages=token_level, **kw)
    classes["zero log-ratios"] = [replace(probe, kinks=(zero.to(device) & probe.response_mask))]
    single = torch.ones(6, dtype=torch.long)
    classes["single-token rows"] = [make_probe("degenerate", "every row of length 1",
                                               *base_log_ratio(variant, single, seed + 6, hyper), variant,
                                               seed=seed + 7, token_advantages=token_level, **kw)]
    equal = torch.full((6,), 7)
    classes["equal-length rows"] = [make_probe("degenerate", "every row of length 7 (no padding)",
                                               *base_log_ratio(variant, equal, seed + 8, hyper), variant,
                                               seed=seed + 9, token_advantages=token_level, **kw)]
    tie_lengths = torch.tensor([4, 6, 3, 5, 2, 8])
    tie_ratio, tie_mask = tie_log_ratio(variant, hyper, tie_lengths)
    for i, sign in enumerate((1.0, -1.0)):
        tie = make_probe("degenerate", f"log r exactly at the clip / budget edges, A {'>' if sign > 0 else '<'} 0",
                         tie_ratio, tie_mask, variant, seed=seed + 10 + i, **kw)
        tie = replace(tie, advantages=sign * tie.advantages.abs(), row_advantages=sign * tie.row_advantages.abs(),
                      kinks=tie.response_mask.clone())
        classes.setdefault("ties at clip boundaries", []).append(tie)
    extreme = torch.tensor([1, 4096, 2, 1])
    classes["extreme lengths"] = [make_probe("degenerate", "rows of length 1, 2 and 4096",
                                             *base_log_ratio(variant, extreme, seed + 12, hyper), variant,
                                             seed=seed + 13, token_advantages=token_level, **kw)]
    empty = base.response_mask.clone()
    empty[[2, 6]] = False
    classes[EMPTY_ROWS] = [with_empty_rows(base, empty, "rows 2 and 6 fully masked (finite padding)")]
    return classes


def probe_families(variant: str, *, dtype=torch.float64, device: str = "cpu", seed: int = 0,
                   hyper: dict | None = None) -> dict[str, list[Probe]]:
    """All probe families by name: on_policy, regimes, long_short, zero_log_ratio, logclip, masks, aggregation,
    rollout_is_weights and large_log_ratio (the FiberPO-only families are absent for the clip family).

    Only the zero_log_ratio family holds tokens with log r exactly 0 (where the sign(0) convention matters).
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant: {variant!r} is not one of {VARIANTS}")
    kw = {"dtype": dtype, "device": device, "hyper": default_hyper(variant) | (hyper or {})}
    families = {"on_policy": on_policy_probes(variant, dtype=dtype, device=device, seed=seed, hyper=hyper)}
    families |= fiber_families(variant, seed, kw) if variant in FIBER_VARIANTS else clip_families(variant, seed, kw)
    source = families["regimes"][len(families["regimes"]) // 2]
    families["masks"] = masked_garbage_probes(source)
    degenerate = degenerate_probes(variant, seed=seed + 70, **kw)
    families["empty_rows"] = degenerate.pop(EMPTY_ROWS) + families["masks"][-1:]
    families["masks"] = families["masks"][:-1]
    families |= {f"degenerate/{name}": probes for name, probes in degenerate.items()}
    families["aggregation"], global_info = aggregation_probes(variant, seed=seed + 40, **kw)
    families["global_normalisers"] = [global_info]
    families["rollout_is_weights"] = [with_rollout_weights(probe, seed + 50) for probe in families["regimes"][:3]]
    families["large_log_ratio"] = [large_log_ratio_probe(source), spikes_probe(variant, seed + 60, kw)]
    return families


def masked_garbage_probes(probe: Probe) -> list[Probe]:
    """A ragged probe with NaN / +inf / -inf at every masked position of every input (its twin: the clean probe),
    and the probe with one row fully masked (its twin: the probe without that row)."""
    probes = []
    pad = ~probe.response_mask
    for name, garbage in GARBAGE.items():
        weights = torch.full_like(probe.log_prob, 1.0).masked_fill(pad, garbage)
        probes.append(replace(probe, family="masks", name=f"{name} padding", log_prob=probe.log_prob.masked_fill(
            pad, garbage), old_log_prob=probe.old_log_prob.masked_fill(pad, garbage),
            advantages=probe.advantages.masked_fill(pad, garbage), rollout_is_weights=weights, row_advantages=None,
            twin=replace(probe, rollout_is_weights=torch.ones_like(probe.log_prob))))
    empty = probe.response_mask.clone()
    empty[min(2, empty.shape[0] - 1)] = False
    return probes + [with_empty_rows(probe, empty, "fully masked row")]


def with_empty_rows(probe: Probe, mask: Tensor, name: str) -> Probe:
    """The probe under a mask with some rows fully masked; its twin is the probe without those rows."""
    keep = mask.any(-1)
    rows = keep.nonzero().flatten()
    config = dict(probe.config)
    for key in ("fiberpo_group_ids", "fiberpo_domain_ids"):
        if key in config:
            config[key] = torch.as_tensor(config[key])[keep.to(torch.as_tensor(config[key]).device)]

    def kept(x):
        return None if x is None else x[keep]

    twin = replace(probe, family="empty_rows", name=f"{name} (rows removed)", old_log_prob=probe.old_log_prob[keep],
                   log_prob=probe.log_prob[keep], advantages=torch.where(mask, probe.advantages, 0.0)[keep],
                   response_mask=mask[keep], config=config, rollout_is_weights=kept(probe.rollout_is_weights),
                   row_advantages=kept(probe.row_advantages), kinks=kept(probe.kinks))
    return replace(probe, family="empty_rows", name=name, response_mask=mask,
                   advantages=torch.where(mask, probe.advantages, 0.0), row_advantages=None, twin=twin,
                   twin_rows=rows)


def with_rollout_weights(probe: Probe, seed: int) -> Probe:
    """The probe with positive rollout_is_weights in [0.25, 4] at valid tokens (and 1 at padding)."""
    gen = torch.Generator().manual_seed(seed)
    weights = torch.exp(torch.empty(probe.log_prob.shape, dtype=torch.float64).uniform_(-1.4, 1.4, generator=gen))
    weights = torch.where(probe.response_mask.cpu(), weights, 1.0).to(probe.log_prob)
    return replace(probe, family="rollout_is_weights", rollout_is_weights=weights)


def large_log_ratio_probe(probe: Probe) -> Probe:
    """The probe with every fifth valid token's log-ratio pushed to +-LARGE_LOG_RATIO (exercises any clamp)."""
    index = torch.arange(probe.log_prob.numel(), device=probe.log_prob.device).reshape(probe.log_prob.shape)
    sign = torch.where(index % 10 < 5, 1.0, -1.0).to(probe.log_prob)
    pushed = probe.response_mask & (index % 5 == 0)
    log_prob = torch.where(pushed, probe.old_log_prob + sign * LARGE_LOG_RATIO, probe.log_prob)
    return replace(probe, family="large_log_ratio", name=f"|log r| = {LARGE_LOG_RATIO:g} at every fifth token",
                   log_prob=log_prob)


def spikes_probe(variant: str, seed: int, kw: dict) -> Probe:
    """Single +-LARGE_LOG_RATIO tokens in long, otherwise near-on-policy rows (their channel means stay inside the
    budget, so a clamp shows in the base weight), and short rows entirely at +-LARGE_LOG_RATIO with both signs of A
    (a clamp of the trajectory mean shows in GSPO's unclipped branch)."""
    lengths = torch.tensor([2048, 3, 3, 2, 2, 1, 700])
    mask = padded_mask(lengths)
    gen = torch.Generator().manual_seed(seed)
    log_ratio = 1e-3 * torch.randn(mask.shape, generator=gen, dtype=torch.float64)
    level = torch.tensor([0.0, 1, 1, -1, -1, -1, 0], dtype=torch.float64)[:, None] * LARGE_LOG_RATIO
    log_ratio = torch.where(level != 0, level, log_ratio)
    for row, col, sign in ((0, 5, 1.0), (6, 400, -1.0)):
        log_ratio[row, col] = sign * LARGE_LOG_RATIO
    probe = make_probe("large_log_ratio", f"spikes of +-{LARGE_LOG_RATIO:g} in long rows, whole rows at it",
                       torch.where(mask, log_ratio, 0.0), mask, variant, seed=seed, **kw)
    signs = torch.tensor([1.0, -1, 1, -1, 1, 1, -1], dtype=probe.advantages.dtype, device=probe.advantages.device)
    advantages = probe.advantages.abs() * signs[:, None]
    return replace(probe, advantages=advantages, row_advantages=advantages.abs().amax(-1) * signs)


def aggregation_probes(variant: str, *, seed: int, dtype, device, hyper: dict) -> tuple[list[Probe], Probe]:
    """Ragged batch padded wider than its longest row, alone, and with verl's global_batch_info normalisers."""
    lengths = torch.tensor([2, 9, 4, 1, 7, 3, 6, 5])
    if variant in FIBER_VARIANTS:
        log_ratio, mask = mixed_regime_batch(lengths, c_pos=trajectory_budget(hyper["fiberpo_c_pos"]),
                                             c_neg=trajectory_budget(hyper["fiberpo_c_neg"]), seed=seed, zero_frac=0.0)
    else:
        log_ratio, mask = clip_straddling_batch(lengths, hyper["clip_ratio_low"], seed), padded_mask(lengths)
    log_ratio = torch.cat([log_ratio, torch.zeros(len(lengths), 3, dtype=torch.float64)], dim=1)
    mask = torch.cat([mask, torch.zeros(len(lengths), 3, dtype=torch.bool)], dim=1)
    local = make_probe("aggregation", "ragged, padded wider", log_ratio, mask, variant, seed=seed + 1, dtype=dtype,
                       device=device, hyper=hyper)
    info = {"dp_size": 2, "batch_num_tokens": 100, "global_batch_size": 20, "loss_scale_factor": 32}
    return [local], replace(local.with_config(global_batch_info=info), family="global_normalisers",
                            name="ragged, with global_batch_info", twin=local)


def rollback_and_zeroing_cases(c_pos: float, c_neg: float) -> list[dict]:
    """Constant trajectories of every length in each channel's rollback band (slope of log G: -T l) and zeroed band."""
    cases = []
    for length in LONG_LENGTHS:
        for channel, budget, sign in (("positive", c_pos, 1.0), ("negative", c_neg, -1.0)):
            rollback = budget * (1 + 0.5 / length)
            zeroed = budget * (1 + 1 / length) * 1.5
            cases.append({"length": length, "channel": channel, "sign": sign, "rollback_x": rollback,
                          "zeroed_x": zeroed, "width": budget / length})
    return cases

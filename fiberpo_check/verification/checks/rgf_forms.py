"""RGF-1: the RGF forms (E, mu, G) of PPO, GRPO and GSPO (App. C.4) equal the standard losses.

The registered check compares the package's implementation (`surrogate`) with the losses as usually written, value
and gradient in float64 on ragged random batches; the derivations prove the identity itself (derivations/rgf.py).
"""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.batch import masked
from fiberpo_check.engine.objectives import surrogate
from fiberpo_check.vocabulary.check_registry import register
from fiberpo_check.verification.checks.jacobian_checks import substatement
from fiberpo_check.verification.checks.presets import PRODUCER, SMALL
from fiberpo_check.vocabulary.verdicts import Outcome, SubStatement

TEXTBOOK_METHODS = ("ppo", "grpo", "gspo")
HYPER = {"ppo": dict(eps_low=0.2, eps_high=0.28), "grpo": dict(eps_low=0.2, eps_high=0.28),
         "gspo": dict(eps_low=3e-4, eps_high=4e-4)}


def standard_ppo_term(log_ratio: Tensor, adv: Tensor, eps_low: float, eps_high: float) -> Tensor:
    """The textbook per-token PPO term min(r A, clip(r, 1-eps_low, 1+eps_high) A) (PPO paper, eq 7)."""
    ratio = torch.exp(log_ratio)
    return torch.minimum(ratio * adv, ratio.clamp(1 - eps_low, 1 + eps_high) * adv)


def standard_losses(log_ratio: Tensor, adv: Tensor, mask: Tensor, eps: tuple, gspo_eps: tuple) -> dict[str, Tensor]:
    """PPO (token mean), GRPO (sequence mean of token means) and GSPO (clipped sequence ratio), as usually written."""
    term = masked(standard_ppo_term(log_ratio, adv, *eps), mask)
    lengths = mask.sum(-1).to(log_ratio.dtype)
    seq_ratio = torch.exp(masked(log_ratio, mask).sum(-1) / lengths)
    seq_adv = masked(adv, mask).sum(-1) / lengths
    gspo = torch.minimum(seq_ratio * seq_adv, seq_ratio.clamp(1 - gspo_eps[0], 1 + gspo_eps[1]) * seq_adv)
    return {"ppo": term.sum() / mask.sum(), "grpo": (term.sum(-1) / lengths).mean(), "gspo": gspo.mean()}


def random_batch(seed: int, batch: int = 16, width: int = 48) -> tuple[Tensor, Tensor, Tensor]:
    """Ragged float64 batch with drift large enough to engage every clip; one advantage per trajectory."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, width + 1, (batch,), generator=gen)
    mask = torch.arange(width)[None, :] < lengths[:, None]
    drift = 0.3 * torch.randn(batch, 1, generator=gen, dtype=torch.float64)
    log_ratio = drift + 0.2 * torch.randn(batch, width, generator=gen, dtype=torch.float64)
    adv = torch.randn(batch, 1, generator=gen, dtype=torch.float64).expand(batch, width)
    return log_ratio, adv, mask


def float_gaps(n_batches: int, rgf=surrogate) -> dict[str, float]:
    """Largest value and gradient gap between each RGF form (`rgf`) and its standard loss over random batches."""
    gaps = dict.fromkeys(HYPER, 0.0)
    for seed in range(n_batches):
        log_ratio, adv, mask = random_batch(seed)
        for method, kw in HYPER.items():
            lp_rgf = log_ratio.clone().requires_grad_()
            lp_std = log_ratio.clone().requires_grad_()
            rgf_value = rgf(method, lp_rgf, torch.zeros_like(log_ratio), adv, mask, **kw)
            std_value = standard_losses(lp_std, adv, mask, tuple(HYPER["ppo"].values()),
                                        tuple(HYPER["gspo"].values()))[method]
            difference = rgf_value - std_value
            difference.backward()
            gradient_gap = (lp_rgf.grad + lp_std.grad)[mask].abs().max()
            gaps[method] = max(gaps[method], abs(difference.item()), gradient_gap.item())
    return gaps


def rgf_forms_check(preset: dict = SMALL, sink: dict | None = None, rgf=surrogate,
                    tol: float = 1e-12) -> list[SubStatement]:
    """RGF-1 per method: the float64 value and gradient gap between `surrogate` and the standard loss."""
    n_batches = 4 if preset is SMALL else 20
    gaps = float_gaps(n_batches, rgf)
    if sink is not None:
        sink.update(max_gap=gaps)
    return [substatement(f"RGF-1/{method}", Outcome(
        "float", "float64 (torch)", f"{n_batches} ragged random batches, every clip engaged; hyper-parameters "
        f"{HYPER[method]}", holds=gaps[method] < tol,
        counterexample="" if gaps[method] < tol else f"value/gradient gap {gaps[method]:.3g}",
        measurements={"max_gap": gaps[method]})) for method in TEXTBOOK_METHODS]


def grpo_with_ppo_weights(method, *args, **kw):
    """A mutated RGF family: GRPO computed with PPO's weights (a negative control)."""
    return surrogate("ppo" if method == "grpo" else method, *args, **kw)


def without_min(method, *args, **kw):
    """A mutated RGF family without the PPO min (App. C.5's form, not C.4's; a negative control)."""
    return surrogate(method, *args, **kw, use_min=False)


register("RGF-1", PRODUCER, "rgf_forms", controls={
    "grpo_with_ppo_weights": lambda: rgf_forms_check(rgf=grpo_with_ppo_weights),
    "without_min": lambda: rgf_forms_check(rgf=without_min),
})(rgf_forms_check)

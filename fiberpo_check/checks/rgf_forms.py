"""RGF-1: the RGF forms (E, mu, G) of PPO, GRPO and GSPO (App. C.4) equal the standard losses."""

from __future__ import annotations

import torch
from torch import Tensor

from ..batch import masked
from ..objectives import surrogate
from ..verdicts import Verdict


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


def rgf_forms_verdict(n_batches: int = 20, rgf=surrogate, tol: float = 1e-12) -> Verdict:
    """Largest value and gradient gap between each RGF form and its standard loss over random batches."""
    hyper = {"ppo": dict(eps_low=0.2, eps_high=0.28), "grpo": dict(eps_low=0.2, eps_high=0.28),
             "gspo": dict(eps_low=3e-4, eps_high=4e-4)}
    gaps = dict.fromkeys(hyper, 0.0)
    for seed in range(n_batches):
        log_ratio, adv, mask = random_batch(seed)
        for method, kw in hyper.items():
            lp_rgf = log_ratio.clone().requires_grad_()
            lp_std = log_ratio.clone().requires_grad_()
            rgf_value = rgf(method, lp_rgf, torch.zeros_like(log_ratio), adv, mask, **kw)
            std_value = standard_losses(lp_std, adv, mask, (0.2, 0.28), (3e-4, 4e-4))[method]
            difference = rgf_value - std_value
            difference.backward()
            gradient_gap = (lp_rgf.grad + lp_std.grad)[mask].abs().max()
            gap = max(abs(difference.item()), gradient_gap.item())
            gaps[method] = max(gaps[method], gap)
    ok = all(gap < tol for gap in gaps.values())
    evidence = (f"{n_batches} ragged float64 batches with every clip engaged; largest value/gradient gap "
                + ", ".join(f"{m}: {g:.1e}" for m, g in gaps.items()))
    return Verdict("RGF-1", "verified-numerically" if ok else "refuted", evidence, "verify", {"max_gap": gaps})

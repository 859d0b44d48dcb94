"""Sample-based TV-TRPO (Def D.1, eqs 67-68) and its closed-form maximizer (Thm D.3).

Token level (the registry's `objective`): every valid token is one sample (s, a, tau, t) with state label
`state_ids` and time step t = its position among the row's valid tokens, so Gamma(s) = sum_{tokens at s} gamma^t.
Tabular level (`TabularSample`, for bandits): multiplicities n_{s,a}, advantages A_{s,a} and masses Gamma(s).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from fiberpo_check.engine.batch import check_positive, segment_sum, validated
from fiberpo_check.engine.gates import safe_ratio
from fiberpo_check.engine.objectives.apc import check_discount, state_budget
from fiberpo_check.engine.objectives.rgf_method import RGFMethod


def check_strict_discount(gamma: float) -> float:
    """A discount factor in (0, 1): TV-TRPO's weights 1/(1 - gamma) and 1/(1 - gamma)^2 diverge at gamma = 1 (eq 67)."""
    gamma = check_discount(gamma)
    if gamma == 1:
        raise ValueError("gamma: sample-based TV-TRPO is undefined at gamma = 1 (its penalty diverges, Thm 2.1)")
    return gamma


def penalty_coefficient(adv_inf_norm: float, gamma: float) -> float:
    """4 gamma ||A||_inf / (1 - gamma)^2, the weight of the squared max-TV penalty (eqs 55, 67)."""
    return 4 * gamma * adv_inf_norm / (1 - gamma) ** 2


def tv_trpo_objective(
    log_ratio: Tensor,
    advantages: Tensor,
    mask: Tensor,
    *,
    state_ids: Tensor,
    gamma: float,
    adv_inf_norm: float | None = None,
) -> Tensor:
    """Eq 67 without the constant J(theta_old): sum_s Gamma(s)/((1-g) Gamma T_s) sum_a n r A - c max_s D_TV(s)^2.

    adv_inf_norm defaults to max |A| over the valid tokens (the sample estimate of ||A||_inf).
    """
    gamma = check_strict_discount(gamma)
    log_ratio, mask, _ = validated(log_ratio, mask)
    budget = state_budget(log_ratio, mask, state_ids, 0.0)
    adv = advantages[mask]
    norm = float(adv.abs().max()) if adv_inf_norm is None else check_positive("adv_inf_norm", adv_inf_norm)
    timestep = (mask.cumsum(dim=-1) - 1)[mask].to(log_ratio.dtype)
    n_states = int(budget.state.max()) + 1
    mass = segment_sum(gamma**timestep, budget.state, n_states)  # Gamma(s)
    weight = mass[budget.state] / (budget.state_count * (1 - gamma) * mass.sum())
    linear = (weight * safe_ratio(log_ratio[mask]) * adv).sum()
    return linear - penalty_coefficient(norm, gamma) * budget.state_tv.max() ** 2


TV_TRPO = RGFMethod(
    "tv_trpo", "TV-TRPO", gate=None, native_mode=None, defaults={"gamma": None, "adv_inf_norm": None},
    ids=("state_ids",), required=("gamma",), objective_override=tv_trpo_objective)
objective = TV_TRPO.objective


@dataclass(frozen=True)
class TabularSample:
    """A tabular/bandit batch: n_{s,a} [S, A] (0 = not sampled), A_{s,a} [S, A], Gamma(s) [S], ||A||_inf (App. D.1).

    Every state needs T_s = sum_a n_{s,a} > 0. Gamma(s) defaults to T_s (every sample at t = 0, as in a
    bandit); ||A||_inf defaults to the largest |A| over sampled pairs.
    """

    counts: Tensor
    advantages: Tensor
    discount_mass: Tensor
    adv_inf_norm: float

    @classmethod
    def build(
        cls, counts: Tensor, advantages: Tensor, discount_mass: Tensor | None = None, adv_inf_norm: float | None = None
    ) -> "TabularSample":
        """Validated sample with the defaults above, all float64."""
        if not isinstance(counts, Tensor) or counts.dim() != 2 or bool((counts < 0).any()):
            raise ValueError("counts: expected a non-negative tensor of shape [S, A]")
        if bool((counts.sum(dim=1) == 0).any()):
            raise ValueError("counts: every state needs at least one sampled action")
        if not isinstance(advantages, Tensor) or advantages.shape != counts.shape:
            raise ValueError(f"advantages: expected shape {tuple(counts.shape)}")
        counts = counts.to(torch.float64)
        advantages = torch.where(counts > 0, advantages.to(torch.float64), 0.0)
        mass = counts.sum(dim=1) if discount_mass is None else discount_mass.to(torch.float64)
        if mass.shape != (counts.shape[0],) or bool((mass <= 0).any()):
            raise ValueError(f"discount_mass: expected positive values of shape [{counts.shape[0]}]")
        norm = float(advantages.abs().max()) if adv_inf_norm is None else check_positive("adv_inf_norm", adv_inf_norm)
        return cls(counts, advantages, mass, norm)

    @property
    def state_count(self) -> Tensor:
        """T_s = sum_a n_{s,a}, shape [S]."""
        return self.counts.sum(dim=1)

    @property
    def state_weight(self) -> Tensor:
        """Gamma(s) / (Gamma T_s), the per-sample weight of state s in eqs 67-68 (without 1/(1 - gamma))."""
        return self.discount_mass / (self.discount_mass.sum() * self.state_count)


def state_tv(sample: TabularSample, delta: Tensor) -> Tensor:
    """D_TV(s, Delta) = (1/T_s) sum_a n_{s,a} |Delta_{s,a}|, shape [S] (eq 39)."""
    return (sample.counts * delta.abs()).sum(dim=1) / sample.state_count


def reduced_objective(sample: TabularSample, delta: Tensor, gamma: float) -> Tensor:
    """j(Delta) = (1/((1-g) Gamma)) sum_s Gamma(s)/T_s sum_a n Delta A - c (max_s D_TV(s, Delta))^2 (eq 68)."""
    gamma = check_strict_discount(gamma)
    linear = (sample.state_weight[:, None] * sample.counts * delta * sample.advantages).sum() / (1 - gamma)
    return linear - penalty_coefficient(sample.adv_inf_norm, gamma) * state_tv(sample, delta).max() ** 2


def unit_tv_maximizer(sample: TabularSample) -> tuple[Tensor, Tensor]:
    """Delta-hat*_s (eq 69) and M(s): mass T_s/2 on the best and on the worst sampled action, ties at least L2 norm.

    Maximising sum_a n Delta A under (1/T_s) sum_a n |Delta| = 1 and sum_a n Delta = 0 puts n Delta = +T_s/2 on
    argmax A and -T_s/2 on argmin A, so M(s) = (T_s / 2)(max A - min A). Tied actions share the mass with
    Delta_a proportional to n_a (the least sum_a Delta_a^2, the paper's tie rule). States with M(s) = 0 get
    Delta-hat* = 0, as in the proof of Thm D.3.
    """
    sampled = sample.counts > 0
    best = torch.where(sampled, sample.advantages, -torch.inf).amax(dim=1, keepdim=True)
    worst = torch.where(sampled, sample.advantages, torch.inf).amin(dim=1, keepdim=True)
    half = sample.state_count[:, None] / 2

    def share(members: Tensor) -> Tensor:
        """Delta = n_a (T_s/2) / sum_members n^2 on `members`: mass T_s/2 at least L2 norm (Def D.1 tie rule)."""
        n = torch.where(members, sample.counts, 0.0)
        return n * half / (n**2).sum(dim=1, keepdim=True)

    spread = best > worst
    up, down = share(sampled & (sample.advantages == best)), share(sampled & (sample.advantages == worst))
    unit = torch.where(spread, up - down, 0.0)
    return unit, (half * (best - worst))[:, 0]


def aggregate_value(sample: TabularSample, state_value: Tensor) -> float:
    """M = (1/Gamma) sum_s Gamma(s) M(s) / T_s (App. D.3, aggregate notation)."""
    return float((sample.discount_mass * state_value / sample.state_count).sum() / sample.discount_mass.sum())


def optimal_step(aggregate: float, adv_inf_norm: float, gamma: float) -> float:
    """t* = (1 - gamma) M / (8 gamma ||A||_inf), the maximiser of t M/(1-g) - c t^2 (Thm D.3)."""
    gamma = check_strict_discount(gamma)
    return (1 - gamma) * aggregate / (8 * gamma * check_positive("adv_inf_norm", adv_inf_norm))


@dataclass(frozen=True)
class TVTRPOMaximizer:
    """The closed-form sample-based TV-TRPO update Delta* = t* Delta-hat* and its ingredients (Thm D.3)."""

    delta: Tensor  # [S, A] Delta*
    unit_delta: Tensor  # [S, A] Delta-hat*
    state_value: Tensor  # [S] M(s)
    aggregate_value: float  # M
    step: float  # t*


def tv_trpo_maximizer(sample: TabularSample, gamma: float) -> TVTRPOMaximizer:
    """Delta* = t* Delta-hat* with every state's TV equal to t* where M(s) > 0 (Thm D.3)."""
    unit, state_value = unit_tv_maximizer(sample)
    m = aggregate_value(sample, state_value)
    step = optimal_step(m, sample.adv_inf_norm, gamma)
    return TVTRPOMaximizer(step * unit, unit, state_value, m, step)

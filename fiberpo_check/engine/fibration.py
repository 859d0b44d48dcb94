"""Generic Fiber Bundle Gating (Def 4.3, eq 4) and Fibration Gating Hierarchy (Def 6.2, eqs 23-28).

Every stratum B_k is a finite index set {0, ..., N_k - 1}; a density on it is a float tensor of shape [N_k].
A fibration pi_k: B_k -> B_{k-1} is a tensor of parent indices and its pushforward a segment sum; a Markov
kernel K: B_{k-1} -> B_k is a sparse table of weights K(x | b); an atomic gate acts pointwise on a stratum
(locality condition (iii)), vectorised over its points, and may read the lower-strata densities p_<k.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from fiberpo_check.engine.batch import segment_sum

AtomicGate = Callable[[Tensor, tuple[Tensor, ...]], Tensor]
"""g_{k, p_<k}: density on B_k -> density on B_k, given p_<k = (p_0, ..., p_{k-1}) (Def 6.2, Object 3)."""


def check_index(name: str, index: Tensor, size: int) -> Tensor:
    """A 1-D integer tensor with values in [0, size), else ValueError naming `name`."""
    if not isinstance(index, Tensor) or index.dim() != 1 or index.dtype.is_floating_point or index.dtype == torch.bool:
        raise ValueError(f"{name}: expected a 1-D integer torch.Tensor")
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= size):
        raise ValueError(f"{name}: values must lie in [0, {size})")
    return index.long()


def check_density(name: str, density: Tensor, size: int) -> Tensor:
    """A floating tensor of shape [size], else ValueError naming `name`."""
    if not isinstance(density, Tensor) or not density.is_floating_point() or density.shape != (size,):
        raise ValueError(f"{name}: expected a floating tensor of shape [{size}]")
    return density


@dataclass(frozen=True)
class Fibration:
    """Projection pi: B_k -> B_{k-1} of finite sets as parent indices; a surjection (Def 6.1, Def E.1)."""

    parent: Tensor  # [N_k] index of pi(x) in B_{k-1}
    base_size: int  # N_{k-1}

    def __post_init__(self) -> None:
        """Validate the parent indices and surjectivity (every fiber pi^-1(b) is non-empty)."""
        parent = check_index("parent", self.parent, self.base_size)
        if torch.bincount(parent, minlength=self.base_size).eq(0).any():
            raise ValueError("parent: the projection is not surjective (an empty fiber)")

    @property
    def size(self) -> int:
        """N_k, the number of points of the total space of this fibration."""
        return self.parent.numel()

    def push(self, density: Tensor) -> Tensor:
        """Pushforward pi_*: the density of b is the sum over its fiber pi^-1(b) (eq 22)."""
        return segment_sum(check_density("density", density, self.size), self.parent, self.base_size)


@dataclass(frozen=True)
class MarkovKernel:
    """Markov kernel K: densities on B_{k-1} -> densities on B_k, weights K(target | source) (Def 4.3, Object 3)."""

    target: Tensor  # [nnz] points x of B_k
    source: Tensor  # [nnz] points b of B_{k-1}
    weight: Tensor  # [nnz] K(x | b)
    target_size: int
    source_size: int

    def __post_init__(self) -> None:
        """Validate shapes and index ranges of the sparse weight table."""
        check_index("target", self.target, self.target_size)
        check_index("source", self.source, self.source_size)
        check_density("weight", self.weight, self.target.numel())
        if self.source.numel() != self.target.numel():
            raise ValueError("source: must have as many entries as target")

    @classmethod
    def on_fibers(cls, fibration: Fibration, weight: Tensor) -> "MarkovKernel":
        """K(x | b) = weight[x] if pi(x) = b else 0: a kernel supported on the fibers (App. E.5.4, E.7)."""
        points = torch.arange(fibration.size, device=fibration.parent.device)
        return cls(points, fibration.parent.long(), weight, fibration.size, fibration.base_size)

    def apply(self, density: Tensor) -> Tensor:
        """(K p)(x) = sum_b K(x | b) p(b), the reflection of a base density to the total space (eq 4)."""
        density = check_density("density", density, self.source_size)
        return segment_sum(self.weight * density[self.source.long()], self.target.long(), self.target_size)


def markov_defect(kernel: MarkovKernel) -> float:
    """Largest violation of K(. | b) >= 0 and sum_x K(x | b) = 1 (a Markov kernel, Def 4.3)."""
    column = segment_sum(kernel.weight, kernel.source.long(), kernel.source_size)
    negative = (-kernel.weight).clamp(min=0)
    return float(torch.cat([(column - 1).abs(), negative]).max())


def reflecting_defect(fibration: Fibration, kernel: MarkovKernel) -> float:
    """max |pi_* o K - id| over the base, entries summed sparsely (reflecting condition, Def 4.3 and Def 6.2 (i))."""
    if kernel.target_size != fibration.size or kernel.source_size != fibration.base_size:
        raise ValueError("kernel: its source/target sizes do not match the fibration")
    diagonal = torch.arange(fibration.base_size, device=kernel.weight.device)
    rows = torch.cat([fibration.parent.long()[kernel.target.long()], diagonal])
    cols = torch.cat([kernel.source.long(), diagonal])
    values = torch.cat([kernel.weight, -torch.ones_like(diagonal, dtype=kernel.weight.dtype)])
    entry, index = torch.unique(rows * fibration.base_size + cols, return_inverse=True)
    return float(segment_sum(values, index, entry.numel()).abs().max())


@dataclass(frozen=True)
class FibrationGatingHierarchy:
    """Strata B_0 <- ... <- B_n = E with fibrations pi_k, kernels K_k and atomic gates g_k (Def 6.2)."""

    fibrations: tuple[Fibration, ...]  # (pi_1, ..., pi_n), pi_k: B_k -> B_{k-1}
    kernels: tuple[MarkovKernel, ...]  # (K_0, ..., K_{n-1}), K_k: B_k -> B_{k+1}
    gates: tuple[AtomicGate, ...]  # (g_0, ..., g_n)

    def __post_init__(self) -> None:
        """Check the objects form a chain: n fibrations, n kernels between the same strata, n + 1 gates."""
        n = len(self.fibrations)
        if n < 1 or len(self.kernels) != n or len(self.gates) != n + 1:
            raise ValueError("fibrations/kernels/gates: need n >= 1 fibrations, n kernels and n + 1 gates")
        for k in range(1, n):
            if self.fibrations[k].base_size != self.fibrations[k - 1].size:
                raise ValueError(f"fibrations: pi_{k + 1} does not land on the total space of pi_{k}")
        for k, (fibration, kernel) in enumerate(zip(self.fibrations, self.kernels)):
            if kernel.source_size != fibration.base_size or kernel.target_size != fibration.size:
                raise ValueError(f"kernels: K_{k} does not map B_{k} to B_{k + 1}")

    @property
    def depth(self) -> int:
        """n, the index of the total space B_n = E."""
        return len(self.fibrations)

    @property
    def total_size(self) -> int:
        """N_n, the number of points of the total space E."""
        return self.fibrations[-1].size


def check_reflecting(fgh: FibrationGatingHierarchy, atol: float = 1e-12) -> None:
    """Raise ValueError unless every K_{k-1} is Markov and pi_k* o K_{k-1} = id (Def 6.2, condition (i))."""
    for k, (fibration, kernel) in enumerate(zip(fgh.fibrations, fgh.kernels), start=1):
        if markov_defect(kernel) > atol:
            raise ValueError(f"kernels: K_{k - 1} is not a Markov kernel (defect {markov_defect(kernel):.3g})")
        defect = reflecting_defect(fibration, kernel)
        if defect > atol:
            raise ValueError(f"kernels: pi_{k}* o K_{k - 1} != id (defect {defect:.3g})")


def push_down(fgh: FibrationGatingHierarchy, sigma: Tensor, k: int) -> Tensor:
    """pi_{k<-n}* sigma: push a density on E down to stratum B_k (eq 25)."""
    density = check_density("sigma", sigma, fgh.total_size)
    for fibration in reversed(fgh.fibrations[k:]):
        density = fibration.push(density)
    return density


def reflect_up(fgh: FibrationGatingHierarchy, density: Tensor, k: int) -> Tensor:
    """K_{n<-k} = K_{n-1} o ... o K_k: reflect a density on B_k up to E (eq 23)."""
    for kernel in fgh.kernels[k:]:
        density = kernel.apply(density)
    return density


def lower_strata(fgh: FibrationGatingHierarchy, sigma: Tensor, k: int) -> tuple[Tensor, ...]:
    """pi_<k* sigma = (pi_{0<-n}* sigma, ..., pi_{k-1<-n}* sigma), the context of gate g_k (Def 6.2)."""
    return tuple(push_down(fgh, sigma, j) for j in range(k))


def fgh_gate_expanded(fgh: FibrationGatingHierarchy, sigma: Tensor) -> Tensor:
    """G(sigma) = K_{n<-0} g_0(pi_{0<-n}* s) + sum_k K_{n<-k} g_k(pi_{k<-n}* s - K_{k-1} pi_{k-1<-n}* s) (eq 26)."""
    total = reflect_up(fgh, fgh.gates[0](push_down(fgh, sigma, 0), ()), 0)
    for k in range(1, fgh.depth + 1):
        residual = push_down(fgh, sigma, k) - fgh.kernels[k - 1].apply(push_down(fgh, sigma, k - 1))
        total = total + reflect_up(fgh, fgh.gates[k](residual, lower_strata(fgh, sigma, k)), k)
    return total


def stratum_operator(fgh: FibrationGatingHierarchy, k: int, sigma_k: Tensor, lower: tuple[Tensor, ...]) -> Tensor:
    """G_k(sigma_k) = g_0(sigma_k) for k = 0, else g_k(sigma_k - K_{k-1} pi_k* sigma_k) (eq 28)."""
    if k == 0:
        return fgh.gates[0](sigma_k, ())
    return fgh.gates[k](sigma_k - fgh.kernels[k - 1].apply(fgh.fibrations[k - 1].push(sigma_k)), lower)


def fgh_gate_compact(fgh: FibrationGatingHierarchy, sigma: Tensor) -> Tensor:
    """G(sigma) = sum_k K_{n<-k} G_k(pi_{k<-n}* sigma) (eq 27), pushed once and reflected Horner-style."""
    strata = [check_density("sigma", sigma, fgh.total_size)]
    for fibration in reversed(fgh.fibrations):
        strata.insert(0, fibration.push(strata[0]))
    total = stratum_operator(fgh, 0, strata[0], ())
    for k in range(1, fgh.depth + 1):
        total = fgh.kernels[k - 1].apply(total) + stratum_operator(fgh, k, strata[k], tuple(strata[:k]))
    return total


def fbg_gate(
    bundle: Fibration, kernel: MarkovKernel, base_gate: AtomicGate, fiber_gate: AtomicGate, sigma: Tensor
) -> Tensor:
    """G(sigma) = K(g_Base(pi_* sigma)) + g_Fiber,pi_* sigma(sigma - K(pi_* sigma)) (eq 4)."""
    base = bundle.push(sigma)
    return kernel.apply(base_gate(base, ())) + fiber_gate(sigma - kernel.apply(base), (base,))


@dataclass(frozen=True)
class GatingInstance:
    """An FGH with its decomposition map F (log-ratios -> densities on E) and recovery map R (Def 6.2, Object 4).

    F is written on log-ratio coordinates of the ratio space R_{>0}^X (the paper's F reads only log r);
    R returns ratios, so the ratio gating map is r -> R(G(F(log r))) (eqs 5, 29).
    """

    hierarchy: FibrationGatingHierarchy
    decompose: Callable[[Tensor], Tensor]  # F
    recover: Callable[[Tensor], Tensor]  # R


def gated_ratios(instance: GatingInstance, log_ratio: Tensor, form: str = "compact") -> Tensor:
    """R o G o F applied to the valid tokens' log-ratios, G by eq 27 ("compact") or eq 26 ("expanded")."""
    forms = {"compact": fgh_gate_compact, "expanded": fgh_gate_expanded}
    if form not in forms:
        raise ValueError(f"form: {form!r} is not one of {tuple(forms)}")
    return instance.recover(forms[form](instance.hierarchy, instance.decompose(log_ratio)))


def recovery_defect(instance: GatingInstance, log_ratio: Tensor) -> float:
    """max |R(F(r)) - r| / r on the given log-ratios (recovery condition R o F = id, Def 6.2 (ii))."""
    recovered = instance.recover(instance.decompose(log_ratio))
    return float((recovered * torch.exp(-log_ratio) - 1).abs().max())

"""Conformance of a third-party FiberPO loss (verl signature) with the paper (eqs 6-16, 20; Props 5.3-5.4; eq 31)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from .aggregation import MODES, aggregate
from .batch import broadcast_advantages, check_mask, log_ratio_of, masked
from .checks.jacobian_probes import GateHyper, eq20_terms, eq20_vjp
from .conform_probes import HYPER, VARIANTS, Probe, base_config, constant_trajectory, probe_families, \
    rollback_and_zeroing_cases
from .losses import config_value, normalizers

PROPERTIES = (
    "value", "gradient", "identity_at_on_policy", "block_structure", "eq20", "rollback_slope", "zeroing",
    "sign_split", "logclip_asymmetry", "zero_log_ratio", "masks", "aggregation_semantics",
)
TOLERANCE = {torch.float64: 1e-9, torch.float32: 2e-5}
FD_STEP = {torch.float64: 1e-3, torch.float32: 0.2}  # central-difference step, as a fraction of the rollback width
SLOPE_TOLERANCE = {torch.float64: 1e-4, torch.float32: 1e-3}  # on d log G / d|log r|, relative to T


@dataclass
class PropertyResult:
    """Outcome of one property: pass / fail / n/a, how many comparisons, the first counterexample."""

    name: str
    status: str
    checks: int
    counterexample: str | None = None


def config_hyper(config) -> GateHyper:
    """Budgets, fiber clip and (FiberPO-Domain) hierarchy ids from a verl-style config."""
    keys = ("fiberpo_c_pos", "fiberpo_c_neg", "fiberpo_eps", "fiberpo_group_ids", "fiberpo_domain_ids")
    return GateHyper(*(config_value(config, key) for key in keys))


def verl_signature_loss(log_gate: Callable[[Tensor, Tensor, GateHyper], Tensor]) -> Callable:
    """A policy loss with verl's signature, -agg(G A), from a log-gate map (log r, mask, hyper) -> log G.

    Empty rows are dropped before gating (and from every hierarchy level); values at masked positions never leak.
    """

    def loss(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="seq-mean-token-mean", config=None,
             rollout_is_weights=None):
        mask = check_mask(response_mask, log_prob.shape, allow_empty_rows=True)
        log_ratio = log_ratio_of(log_prob, old_log_prob, mask)
        adv = broadcast_advantages(advantages, log_prob.shape, mask)
        keep = mask.any(dim=-1)
        hyper = config_hyper(config)
        if hyper.group_ids is not None:
            ids = (torch.as_tensor(hyper.group_ids)[keep.cpu()], torch.as_tensor(hyper.domain_ids)[keep.cpu()])
            hyper = GateHyper(hyper.c_pos, hyper.c_neg, hyper.eps, *(i.to(log_prob.device) for i in ids))
        gate = torch.zeros_like(log_ratio).index_put(
            (keep.nonzero().flatten(),), torch.exp(log_gate(log_ratio[keep], mask[keep], hyper)))
        values = -gate * adv
        if rollout_is_weights is not None:
            values = values * masked(rollout_is_weights, mask)
        return aggregate(values, mask, loss_agg_mode, normalizers(config)), {}

    return loss


def reference_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """log G of FiberPO (eqs 7-16) or FiberPO-Domain (eqs 30-32) from the objectives' reference code."""
    return hyper.parts(log_ratio, mask).log_gate


REFERENCE_LOSS = verl_signature_loss(reference_log_gate)


class Mismatch(Exception):
    """A failed comparison, carrying its counterexample text."""


def load_loss(spec: str) -> Callable:
    """Import MODULE:FUNC; ValueError naming `spec` when it is malformed, missing or not callable."""
    module_name, _, func_name = spec.partition(":")
    if not module_name or not func_name:
        raise ValueError(f"spec: expected MODULE:FUNC, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"spec: cannot import module {module_name!r}: {error}") from error
    fn = getattr(module, func_name, None)
    if not callable(fn):
        raise ValueError(f"spec: {module_name!r} has no callable {func_name!r}")
    return fn


def call(loss_fn: Callable, probe: Probe, mode: str, log_prob: Tensor | None = None,
         advantages: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Loss value and d loss / d log_prob (zero where the loss does not depend on log_prob)."""
    log_prob = (probe.log_prob if log_prob is None else log_prob).detach().clone().requires_grad_(True)
    out = loss_fn(old_log_prob=probe.old_log_prob, log_prob=log_prob,
                  advantages=probe.advantages if advantages is None else advantages,
                  response_mask=probe.response_mask, loss_agg_mode=mode, config=probe.config, rollout_is_weights=None)
    loss = out[0] if isinstance(out, tuple) else out
    if not isinstance(loss, Tensor) or loss.dim() != 0:
        raise Mismatch(f"{probe.label} mode={mode}: the loss is not a scalar tensor")
    grad = torch.autograd.grad(loss, log_prob, allow_unused=True)[0] if loss.requires_grad else None
    return loss.detach(), torch.zeros_like(log_prob) if grad is None else grad


class Checker:
    """Runs every property of a candidate loss against the reference on the probe families."""

    def __init__(self, candidate: Callable, variant: str = "fiberpo", *, modes=MODES, dtype=torch.float64,
                 device: str = "cpu", seed: int = 0):
        if variant not in VARIANTS:
            raise ValueError(f"variant: {variant!r} is not one of {VARIANTS}")
        if dtype not in TOLERANCE:
            raise ValueError(f"dtype: {dtype} is not one of {tuple(TOLERANCE)}")
        bad = [mode for mode in modes if mode not in MODES]
        if bad or not modes:
            raise ValueError(f"modes: {bad or modes} not in {MODES}")
        self.candidate, self.reference, self.variant = candidate, REFERENCE_LOSS, variant
        self.modes, self.dtype, self.device, self.tol = tuple(modes), dtype, device, TOLERANCE[dtype]
        self.families = probe_families(variant, dtype=dtype, device=device, seed=seed)

    def compare_value(self, probe: Probe, mode: str, value: Tensor, expected: Tensor) -> None:
        """Raise Mismatch unless value == expected within tolerance (NaN never matches)."""
        gap = float((value - expected).abs())
        if not gap <= self.tol * max(1.0, float(expected.abs())):
            raise Mismatch(f"{probe.label} mode={mode}: loss={float(value):.10g} expected={float(expected):.10g}")

    def compare_grad(self, probe: Probe, mode: str, grad: Tensor, expected: Tensor, what: str = "grad") -> None:
        """Raise Mismatch unless the gradients agree at every valid token within tolerance."""
        mask = probe.response_mask
        diff = masked((grad - expected).abs(), mask).nan_to_num(nan=float("inf"))
        scale = max(float(masked(expected.abs(), mask).max()), 1e-12)
        if float(diff.max()) > self.tol * scale:
            index = tuple(int(i) for i in torch.nonzero(diff == diff.max())[0])
            raise Mismatch(f"{probe.label} mode={mode} token {index}: d loss/d log_prob={float(grad[index]):.10g} "
                           f"{what}={float(expected[index]):.10g}")

    def against_reference(self, probes: list[Probe], modes=None, gradient: bool = True) -> int:
        """Value (and gradient) equal to the reference loss on every probe and mode; returns the count."""
        count = 0
        for probe in probes:
            for mode in modes or self.modes:
                value, grad = call(self.candidate, probe, mode)
                ref_value, ref_grad = call(self.reference, probe, mode)
                self.compare_value(probe, mode, value, ref_value)
                if gradient:
                    self.compare_grad(probe, mode, grad, ref_grad)
                count += 1
        return count

    def all_probes(self, *families: str) -> list[Probe]:
        """The probes of the named families, in order."""
        return [probe for family in families for probe in self.families[family]]

    def weights(self, probe: Probe, mode: str) -> Tensor:
        """mu_i = d aggregate / d value_i of the mode with the probe's normalisers (verl semantics)."""
        values = torch.zeros_like(probe.log_prob, requires_grad=True)
        total = aggregate(values, probe.response_mask, mode, normalizers(probe.config))
        return torch.autograd.grad(total, values)[0]

    def identity_at_on_policy(self) -> int:
        """At and near log r = 0 (mixed signs): loss = -agg(r A), d loss/d log_prob = -mu r A (Prop 5.4, Thm 4.5).

        At exactly r = 1 every token sits on the sign kink, where one-sided derivatives hide a wrong channel
        coupling; the mixed-sign probe inside the identity neighbourhood does not.
        """
        count = 0
        for probe in self.families["on_policy"]:
            mask = probe.response_mask
            adv = broadcast_advantages(probe.advantages, probe.log_prob.shape, mask)
            ratio = torch.exp(masked(probe.log_prob - probe.old_log_prob, mask))
            for mode in self.modes:
                value, grad = call(self.candidate, probe, mode)
                mu = self.weights(probe, mode)
                expected = aggregate(-ratio * adv, mask, mode, normalizers(probe.config))
                self.compare_value(probe, mode, value, expected)
                self.compare_grad(probe, mode, grad, -mu * ratio * adv, "identity-gate value")
                count += 1
        return count

    def blocks(self, probe: Probe) -> Tensor:
        """Block of every row: its trajectory (FiberPO, Prop 5.3) or its domain (FiberPO-Domain, eq 31)."""
        if self.variant == "fiberpo":
            return torch.arange(probe.log_prob.shape[0], device=probe.log_prob.device)
        return torch.as_tensor(probe.config["fiberpo_domain_ids"], device=probe.log_prob.device)

    def block_structure(self) -> int:
        """With advantages only on row a, the gradient vanishes on every row outside a's block."""
        count = 0
        for probe in self.all_probes("regimes", "long_short"):
            adv = broadcast_advantages(probe.advantages, probe.log_prob.shape, probe.response_mask)
            block = self.blocks(probe)
            for row in (0, probe.log_prob.shape[0] // 2):
                only_row = torch.zeros_like(adv)
                only_row[row] = adv[row] + 1.0
                _, grad = call(self.candidate, probe, self.modes[0], advantages=only_row)
                outside = probe.response_mask & (block != block[row])[:, None]
                leak = float(masked(grad.abs(), outside).nan_to_num(nan=float("inf")).max())
                scale = max(float(masked(grad.abs(), probe.response_mask & ~outside).max()), 1e-12)
                if leak > self.tol * scale:
                    index = tuple(int(i) for i in torch.nonzero(masked(grad.abs(), outside) == leak)[0])
                    raise Mismatch(f"{probe.label}: advantage only on row {row}, yet d loss/d log_prob{index} = "
                                   f"{float(grad[index]):.3g} (outside its block)")
                count += 1
        return count

    def eq20(self) -> int:
        """d loss / d log_prob = -(J_log^T (mu A G))_j with J_log the closed form of eq 20 (Prop 5.2)."""
        count = 0
        for probe in self.all_probes("regimes", "long_short"):
            hyper = config_hyper(probe.config)
            mask = probe.response_mask
            log_ratio = masked(probe.log_prob - probe.old_log_prob, mask).to(torch.float64)
            parts = hyper.parts(log_ratio, mask)
            adv = broadcast_advantages(probe.advantages, mask.shape, mask).to(torch.float64)
            for mode in self.modes:
                _, grad = call(self.candidate, probe, mode)
                weight = self.weights(probe, mode).to(torch.float64) * adv * torch.exp(parts.log_gate)
                expected = -eq20_vjp(eq20_terms(parts, hyper), weight)
                self.compare_grad(probe, mode, grad.to(torch.float64), expected, "eq 20")
                count += 1
        return count

    def constant_probe(self, value: float, length: int) -> Probe:
        """A single constant trajectory probe with advantage 1 and old log-prob -1."""
        log_ratio, mask = constant_trajectory(value, length)
        old = torch.full(mask.shape, -1.0, dtype=torch.float64)
        put = {"device": self.device, "dtype": self.dtype}
        return Probe("constant", f"T={length} log r={value:.6g}", old.to(**put), (old + log_ratio).to(**put),
                     torch.ones(1, **put), mask.to(self.device), base_config(self.variant, 1, self.device))

    def log_gate_slope(self, x: float, sign: float, length: int, step: float) -> tuple[float, Probe]:
        """Central difference of log(-loss) = log G + const in the drift x = |log r| of a constant trajectory."""
        mode = self.modes[0]
        values = []
        for shift in (step, -step):
            probe = self.constant_probe(sign * (x + shift), length)
            values.append(float(call(self.candidate, probe, mode)[0]))
        if not all(v < 0 for v in values):
            raise Mismatch(f"constant trajectory T={length} log r={sign * x:.6g}: loss {values} is not negative "
                           "for A=1")
        return (math.log(-values[0]) - math.log(-values[1])) / (2 * step), probe

    def rollback_slope(self) -> int:
        """Inside the rollback band the base gate has slope -T_tau per channel (eq 10), so d log G/dx = -T l."""
        cases = rollback_and_zeroing_cases(HYPER["fiberpo_c_pos"], HYPER["fiberpo_c_neg"])
        for case in cases:
            step = case["width"] * FD_STEP[self.dtype]
            slope, probe = self.log_gate_slope(case["rollback_x"], case["sign"], case["length"], step)
            expected = -case["length"] * case["sign"]
            if abs(slope - expected) > SLOPE_TOLERANCE[self.dtype] * case["length"]:
                raise Mismatch(f"{case['channel']} channel, {probe.name}: d log G/d|log r| = {slope:.6g}, "
                               f"expected {expected:g}")
        return len(cases)

    def zeroing(self) -> int:
        """Past (1 + 1/T) C the channel's gate is zero: G = 1 exactly and flat (eq 10, G-III)."""
        cases = rollback_and_zeroing_cases(HYPER["fiberpo_c_pos"], HYPER["fiberpo_c_neg"])
        mode = self.modes[0]
        for case in cases:
            probe = self.constant_probe(case["sign"] * case["zeroed_x"], case["length"])
            value, _ = call(self.candidate, probe, mode)
            expected = aggregate(-torch.ones_like(probe.log_prob), probe.response_mask, mode)
            self.compare_value(probe, mode, value, expected)
            step = case["width"] * FD_STEP[self.dtype]
            slope, _ = self.log_gate_slope(case["zeroed_x"], case["sign"], case["length"], step)
            if abs(slope) > SLOPE_TOLERANCE[self.dtype] * case["length"]:
                raise Mismatch(f"{case['channel']} channel, {probe.name}: zeroed gate has slope {slope:.6g}, "
                               "expected 0")
        return 2 * len(cases)

    def sign_split(self) -> int:
        """Exactly one channel out of pass-through: the two channels must be aggregated separately (eq 9)."""
        probes = [p for p in self.families["regimes"] if (p.name.count("pass") == 1)]
        return self.against_reference(probes)

    def zero_log_ratio(self) -> int:
        """Exact zeros: values must match; gradients may follow either sign(0) convention (eq 13 leaves it open)."""
        count = 0
        for probe in self.families["zero_log_ratio"]:
            zero = probe.response_mask & (probe.log_prob == probe.old_log_prob)
            nudged = torch.where(zero, torch.full_like(probe.log_prob, -5e-300), probe.log_prob)
            for mode in self.modes:
                value, grad = call(self.candidate, probe, mode)
                ref_value, plus = call(self.reference, probe, mode)
                _, minus = call(self.reference, probe, mode, log_prob=nudged)
                self.compare_value(probe, mode, value, ref_value)
                try:
                    self.compare_grad(probe, mode, grad, plus, "reference (sign(0)=+1)")
                except Mismatch:
                    self.compare_grad(probe, mode, grad, minus, "reference (sign(0)=-1)")
                count += 1
        return count

    def masks(self) -> int:
        """Garbage at masked positions and fully masked rows must not change the loss or its gradient."""
        return self.against_reference(self.families["masks"])

    def run(self, only: tuple[str, ...] | None = None) -> list[PropertyResult]:
        """Every property (or those named in `only`), each with its first counterexample."""
        unknown = sorted(set(only or ()) - set(PROPERTIES))
        if unknown:
            raise ValueError(f"only: unknown properties {unknown}; choose from {PROPERTIES}")
        checks = {
            "value": lambda: self.against_reference(self.all_probes("on_policy", "regimes", "long_short", "logclip"),
                                                    gradient=False),
            "gradient": lambda: self.against_reference(self.all_probes("on_policy", "regimes", "long_short")),
            "identity_at_on_policy": self.identity_at_on_policy,
            "block_structure": self.block_structure,
            "eq20": self.eq20 if self.variant == "fiberpo" else None,
            "rollback_slope": self.rollback_slope,
            "zeroing": self.zeroing,
            "sign_split": self.sign_split,
            "logclip_asymmetry": lambda: self.against_reference(self.families["logclip"]),
            "zero_log_ratio": self.zero_log_ratio,
            "masks": self.masks,
            "aggregation_semantics": lambda: self.against_reference(self.families["aggregation"]),
        }
        results = []
        for name in only or PROPERTIES:
            check = checks[name]
            if check is None:
                results.append(PropertyResult(name, "n/a", 0, "eq 20 is FiberPO's Jacobian; see block_structure"))
                continue
            try:
                results.append(PropertyResult(name, "pass", check()))
            except Mismatch as error:
                results.append(PropertyResult(name, "fail", 0, str(error)))
            except Exception as error:  # a candidate that crashes on a probe fails that property
                results.append(PropertyResult(name, "fail", 0, f"raised {type(error).__name__}: {error}"))
        return results


def supported_modes(candidate: Callable, variant: str, *, device: str = "cpu", dtype=torch.float64) -> list[str]:
    """The aggregation modes the candidate accepts (a mode it raises on is not claimed)."""
    probe = probe_families(variant, dtype=dtype, device=device)["on_policy"][0]
    modes = []
    for mode in MODES:
        try:
            call(candidate, probe, mode)
            modes.append(mode)
        except Exception:  # noqa: BLE001 - any refusal means the mode is not claimed
            continue
    return modes


def check_conformance(candidate: Callable, variant: str = "fiberpo", *, modes=None, dtype=torch.float64,
                      device: str = "cpu", seed: int = 0, only: tuple[str, ...] | None = None) -> list[PropertyResult]:
    """Run every property (or `only` these) on the modes the candidate claims (all it accepts when `modes` is None)."""
    modes = modes or supported_modes(candidate, variant, device=device, dtype=dtype)
    if not modes:
        refusal = "the loss raised for every loss_agg_mode"
        return [PropertyResult(name, "fail", 0, refusal) for name in only or PROPERTIES]
    return Checker(candidate, variant, modes=modes, dtype=dtype, device=device, seed=seed).run(only)


def conforms(results: list[PropertyResult]) -> bool:
    """True when no property failed."""
    return all(result.status != "fail" for result in results)


def format_table(results: list[PropertyResult]) -> str:
    """A pass/fail table, one row per property, with the first counterexample of each failure."""
    lines = [f"{'property':<24} {'status':<6} {'checks':>6}  first counterexample", "-" * 80]
    for result in results:
        lines.append(f"{result.name:<24} {result.status:<6} {result.checks:>6}  {result.counterexample or ''}")
    return "\n".join(lines)

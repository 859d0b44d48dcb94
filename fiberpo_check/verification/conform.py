"""Conformance of a third-party policy loss (verl signature) with its RGF definition (App. C.4; eqs 6-16, 20, 31)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from fiberpo_check.engine.aggregation import MODES, aggregate
from fiberpo_check.engine.batch import masked
from fiberpo_check.losses import normalizers
from fiberpo_check.verification.checks.jacobian_probes import eq20_terms, eq20_vjp
from fiberpo_check.verification.conform_probes import (
    Probe,
    constant_trajectory,
    on_policy_probes,
    probe_families,
    rollback_and_zeroing_cases,
    variant_config,
)
from fiberpo_check.verification.conform_settings import Settings
from fiberpo_check.verification.conform_variants import (
    DUAL_CLIP_VARIANTS,
    FIBER_VARIANTS,
    NATIVE_MODE,
    VARIANTS,
    config_hyper,
    reference_loss,
)

PROPERTIES = (
    "value", "gradient", "identity_at_on_policy", "block_structure", "eq20", "rollback_slope", "zeroing",
    "sign_split", "logclip_asymmetry", "zero_log_ratio", "clip_semantics", "dual_clip", "masks",
    "aggregation_semantics", "hyperparameters", "rollout_is_weights", "advantage_shapes", "large_log_ratio",
)
FIBER_ONLY = ("block_structure", "rollback_slope", "zeroing", "sign_split", "logclip_asymmetry", "zero_log_ratio")
GRADIENT_ONLY = ("gradient", "block_structure", "eq20")
# relative tolerance by the loss's dtype; float64 allows verl's agg_loss, which divides by (T + 1e-8)
TOLERANCE = {torch.float64: 1e-7, torch.float32: 2e-5, torch.bfloat16: 2e-2, torch.float16: 2e-3}
FD_STEP = {torch.float64: 1e-3, torch.float32: 0.2}  # central-difference step, as a fraction of the rollback width
SLOPE_TOLERANCE = {torch.float64: 1e-4, torch.float32: 1e-2}  # on d log G / d|log r|, relative to T
ROUNDING_LENGTH = 256  # below float64, rounding grows with the tokens summed: tolerances scale by T / 256 past it


@dataclass
class PropertyResult:
    """Outcome of one property: pass / fail / n/a, how many comparisons, the first counterexample (or why n/a)."""

    name: str
    status: str
    checks: int
    counterexample: str | None = None


class Mismatch(Exception):
    """A failed comparison, carrying its counterexample text and the probe and mode that show it."""

    def __init__(self, text: str, probe: Probe | None = None, mode: str | None = None):
        super().__init__(text)
        self.probe, self.mode = probe, mode


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


@dataclass
class Outcome:
    """A loss's value on a probe and d loss / d log_prob (None when the loss is forward-only)."""

    value: Tensor
    grad: Tensor | None


def as_scalar(out, label: str) -> Tensor:
    """The loss of a (loss, metrics) pair or a bare loss, as a 0-d tensor (NumPy and Python floats accepted)."""
    loss = out[0] if isinstance(out, tuple) else out
    if not isinstance(loss, Tensor):
        try:
            loss = torch.as_tensor(float(loss), dtype=torch.float64)
        except (TypeError, ValueError) as error:
            raise Mismatch(f"{label}: the loss returned {type(loss).__name__}, not a scalar") from error
    if loss.dim() != 0:
        raise Mismatch(f"{label}: the loss has shape {tuple(loss.shape)}, not a scalar")
    return loss


def evaluate(loss_fn: Callable, probe: Probe, mode: str, config, *, grad: bool = True, advantages: Tensor | None = None,
             log_prob: Tensor | None = None) -> Outcome:
    """Call a verl-signature loss on a probe; d loss / d log_prob is zero where the loss does not depend on it."""
    log_prob = (probe.log_prob if log_prob is None else log_prob).detach().clone().requires_grad_(grad)
    label = f"{probe.label} mode={mode}"
    try:
        out = loss_fn(old_log_prob=probe.old_log_prob, log_prob=log_prob,
                      advantages=probe.advantages if advantages is None else advantages,
                      response_mask=probe.response_mask, loss_agg_mode=mode, config=config,
                      rollout_is_weights=probe.rollout_is_weights)
        loss = as_scalar(out, label)
    except Mismatch as error:
        raise Mismatch(str(error), probe, mode) from error
    except Exception as error:  # noqa: BLE001 - a candidate that raises fails the property, with the probe shown
        raise Mismatch(f"{label}: raised {type(error).__name__}: {error}", probe, mode) from error
    if not grad:
        return Outcome(loss.detach(), None)
    if not loss.requires_grad:
        return Outcome(loss.detach(), torch.zeros_like(log_prob))
    return Outcome(loss.detach(), torch.autograd.grad(loss, log_prob, allow_unused=True)[0])


class Checker:
    """Runs every property of a candidate loss against the variant's definition on the probe families."""

    def __init__(self, candidate: Callable, variant: str = "fiberpo", *, modes=MODES, dtype=torch.float64,
                 device: str = "cpu", seed: int = 0, settings: Settings | None = None):
        if variant not in VARIANTS:
            raise ValueError(f"variant: {variant!r} is not one of {VARIANTS}")
        if dtype not in FD_STEP:
            raise ValueError(f"dtype: {dtype} is not one of {tuple(FD_STEP)}")
        bad = [mode for mode in modes if mode not in MODES]
        if bad or not modes:
            raise ValueError(f"modes: {bad or modes} not in {MODES}")
        self.candidate, self.reference, self.variant = candidate, reference_loss(variant), variant
        self.modes, self.dtype, self.device = tuple(modes), dtype, device
        self.settings = settings or Settings()
        self.families = probe_families(variant, dtype=dtype, device=device, seed=seed, hyper=self.settings.hyper)
        self.cache: dict = {}
        self.advantage_note: str | None = None  # why advantage_shapes checked only [B, T]
        self.differentiable = self.gradient_checkable()

    def gradient_checkable(self) -> bool:
        """False for a forward-only loss: one that raises when log_prob requires grad, or returns no graph."""
        probe = self.families["on_policy"][0]
        try:
            out = evaluate(self.candidate, probe, self.modes[0], self.settings.render(probe.config))
        except Mismatch:
            try:
                evaluate(self.candidate, probe, self.modes[0], self.settings.render(probe.config), grad=False)
            except Mismatch:
                return True  # it fails either way: let the properties report the exception
            return False
        return bool(out.grad is not None and out.grad.abs().sum() > 0)

    # -- calls --------------------------------------------------------------------------------------------------

    def run_candidate(self, probe: Probe, mode: str, advantages: Tensor | None = None) -> Outcome:
        """The candidate's outcome on a probe (cached), with the probe's config renamed for it."""
        key = (id(probe), mode, advantages is None)
        if key not in self.cache or advantages is not None:
            out = evaluate(self.candidate, probe, mode, self.settings.render(probe.config), grad=self.differentiable,
                           advantages=advantages)
            if advantages is not None:
                return out
            self.cache[key] = (probe, out)  # the probe is kept alive so its id stays unique
        return self.cache[key][-1]

    def run_reference(self, probe: Probe, mode: str, loss_fn: Callable | None = None, **kw) -> Outcome:
        """The definition's (or a deviation's) outcome on a probe, with the canonical config (cached)."""
        loss_fn = loss_fn or self.reference
        if "log_prob" in kw:
            return evaluate(loss_fn, probe, mode, probe.config, **kw)
        key = (id(probe), mode, id(loss_fn), kw.get("grad", True))
        if key not in self.cache:
            self.cache[key] = (probe, loss_fn, evaluate(loss_fn, probe, mode, probe.config, **kw))
        return self.cache[key][-1]

    def tolerance(self, value: Tensor, probe: Probe) -> float:
        """Relative tolerance of the coarser of the probe dtype and the loss's own dtype (below float64, scaled by
        the probe's width past ROUNDING_LENGTH tokens: float32 sums of T terms round to ~T ulp)."""
        tol = max(TOLERANCE[self.dtype], TOLERANCE.get(value.dtype, TOLERANCE[torch.float32]))
        if tol > TOLERANCE[torch.float64]:
            tol *= max(1.0, probe.log_prob.shape[-1] / ROUNDING_LENGTH)
        return tol

    # -- comparisons --------------------------------------------------------------------------------------------

    def compare_value(self, probe: Probe, mode: str, value: Tensor, expected: Tensor, what: str = "expected") -> None:
        """Raise Mismatch unless value == expected within tolerance (NaN never matches)."""
        gap = float((value.double() - expected.double()).abs())
        if not gap <= self.tolerance(value, probe) * max(1.0, float(expected.abs())):
            raise Mismatch(f"{probe.label} mode={mode}: loss={float(value):.10g} {what}={float(expected):.10g}",
                           probe, mode)

    def compare_grad(self, probe: Probe, mode: str, grad: Tensor | None, expected: Tensor, what: str = "grad") -> None:
        """Raise Mismatch unless the gradients agree at every valid token and are exactly 0 at every masked one."""
        if grad is None:
            return
        mask = probe.response_mask
        padded = grad[~mask]
        if padded.numel() and not bool((padded == 0).all()):
            index = tuple(int(i) for i in torch.nonzero(~mask & ((grad != 0) | grad.isnan()))[0])
            raise Mismatch(f"{probe.label} mode={mode}: masked token {index} has d loss/d log_prob="
                           f"{float(grad[index]):.6g} (must be exactly 0 and finite)", probe, mode)
        diff = masked((grad.double() - expected.double()).abs(), mask).nan_to_num(nan=float("inf"))
        scale = max(float(masked(expected.abs(), mask).max()), 1e-12)
        if float(diff.max()) > self.tolerance(grad, probe) * scale:
            index = tuple(int(i) for i in torch.nonzero(diff == diff.max())[0])
            raise Mismatch(f"{probe.label} mode={mode} token {index}: d loss/d log_prob={float(grad[index]):.10g} "
                           f"{what}={float(expected[index]):.10g}", probe, mode)

    def against(self, probes: list[Probe], modes=None, gradient: bool = True, loss_fn: Callable | None = None) -> int:
        """Value (and gradient) equal to the definition (or `loss_fn`) on every probe and mode; returns the count."""
        count = 0
        for probe in probes:
            for mode in modes or self.modes:
                got = self.run_candidate(probe, mode)
                want = self.run_reference(probe, mode, loss_fn)
                self.compare_value(probe, mode, got.value, want.value)
                if gradient:
                    self.compare_grad(probe, mode, got.grad, want.grad)
                count += 1
        return count

    def all_probes(self, *families: str) -> list[Probe]:
        """The probes of the named families (those that exist for this variant), in order."""
        return [probe for family in families for probe in self.families.get(family, [])]

    def weights(self, probe: Probe, mode: str) -> Tensor:
        """mu_i = d aggregate / d value_i of the mode with the probe's normalisers (verl semantics)."""
        values = torch.zeros_like(probe.log_prob, requires_grad=True)
        total = aggregate(values, probe.response_mask, mode, normalizers(probe.config))
        return torch.autograd.grad(total, values)[0]

    # -- properties ---------------------------------------------------------------------------------------------

    def identity_at_on_policy(self) -> int:
        """At and near log r = 0: loss = -agg(r A), d loss/d log_prob = -mu r A (Prop 5.4, Thm 4.5, FBG-2).

        GSPO's gate is the trajectory ratio, equal to r only at r = 1 exactly; CISPO's value is -A log pi, so only
        its gradient is the identity's.
        """
        count = 0
        probes = self.families["on_policy"]
        if self.variant in ("gspo", "gspo_token"):
            probes = [p for p in probes if not p.name.startswith("mixed")]
        for probe in probes:
            mask = probe.response_mask
            ratio = torch.exp(masked(probe.log_prob - probe.old_log_prob, mask))
            adv = probe.advantages
            for mode in self.modes:
                got = self.run_candidate(probe, mode)
                if self.variant == "cispo":
                    expected = self.run_reference(probe, mode, grad=False).value
                else:
                    expected = aggregate(-ratio * adv, mask, mode, normalizers(probe.config))
                self.compare_value(probe, mode, got.value, expected)
                self.compare_grad(probe, mode, got.grad, -self.weights(probe, mode) * ratio * adv, "identity-gate value")
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
        for probe in self.all_probes("regimes", "long_short")[:10]:
            block = self.blocks(probe)
            for row in (0, probe.log_prob.shape[0] // 2):
                only_row = torch.zeros_like(probe.advantages)
                only_row[row] = torch.where(probe.response_mask[row], probe.advantages[row] + 1.0, 0.0)
                grad = self.run_candidate(probe, self.modes[0], advantages=only_row).grad
                outside = probe.response_mask & (block != block[row])[:, None]
                leak = float(masked(grad.abs(), outside).nan_to_num(nan=float("inf")).max())
                scale = max(float(masked(grad.abs(), probe.response_mask & ~outside).max()), 1e-12)
                if leak > self.tolerance(grad, probe) * scale:
                    index = tuple(int(i) for i in torch.nonzero(masked(grad.abs(), outside) == leak)[0])
                    raise Mismatch(f"{probe.label}: advantage only on row {row}, yet d loss/d log_prob{index} = "
                                   f"{float(grad[index]):.3g} (outside its block)", probe, self.modes[0])
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
            adv = probe.advantages.to(torch.float64)
            for mode in self.modes:
                grad = self.run_candidate(probe, mode).grad
                weight = self.weights(probe, mode).to(torch.float64) * adv * torch.exp(parts.log_gate)
                expected = -eq20_vjp(eq20_terms(parts, hyper), weight)
                self.compare_grad(probe, mode, grad.to(torch.float64), expected, "eq 20")
                count += 1
        return count

    def constant_probe(self, value: float, length: int) -> Probe:
        """A single constant trajectory probe with advantage 1 and old log-prob 0 (so float32 resolves log r to its
        own ulp, finer than the rollback band C/T at T = 4096)."""
        log_ratio, mask = constant_trajectory(value, length)
        old = torch.zeros(mask.shape, dtype=torch.float64)
        put = {"device": self.device, "dtype": self.dtype}
        return Probe("constant", f"T={length} log r={value:.6g}", old.to(**put), (old + log_ratio).to(**put),
                     torch.ones(mask.shape, **put), mask.to(self.device),
                     variant_config(self.variant, 1, self.device, hyper=self.settings.hyper))

    def log_gate_slope(self, x: float, sign: float, length: int, step: float) -> tuple[float, Probe]:
        """Central difference of log(-loss) = log G + const in the drift x = |log r| of a constant trajectory."""
        mode = self.modes[0]
        values = []
        for shift in (step, -step):
            probe = self.constant_probe(sign * (x + shift), length)
            values.append(float(self.run_candidate(probe, mode).value))
        if not all(v < 0 for v in values):
            raise Mismatch(f"constant trajectory T={length} log r={sign * x:.6g}: loss {values} is not negative "
                           "for A=1", probe, mode)
        return (math.log(-values[0]) - math.log(-values[1])) / (2 * step), probe

    def budget_cases(self) -> list[dict]:
        """Rollback and zeroed cases at every length for the budgets that gate a lone constant trajectory (with
        per-level budgets the domain level's: a one-row domain carries the whole drift, eq 31)."""
        hyper = config_hyper(self.constant_probe(0.0, 1).config)
        budgets = [b["domain"] if isinstance(b, dict) else b for b in (hyper.c_pos, hyper.c_neg)]
        return rollback_and_zeroing_cases(*budgets)

    def rollback_slope(self) -> int:
        """Inside the rollback band the base gate has slope -T_tau per channel (eq 10), so d log G/dx = -T l."""
        cases = self.budget_cases()
        for case in cases:
            step = case["width"] * FD_STEP[self.dtype]
            slope, probe = self.log_gate_slope(case["rollback_x"], case["sign"], case["length"], step)
            expected = -case["length"] * case["sign"]
            if abs(slope - expected) > SLOPE_TOLERANCE[self.dtype] * case["length"]:
                raise Mismatch(f"{case['channel']} channel, {probe.name}: d log G/d|log r| = {slope:.6g}, "
                               f"expected {expected:g}", probe, self.modes[0])
        return len(cases)

    def zeroing(self) -> int:
        """Past (1 + 1/T) C the channel's gate is zero: G = 1 exactly and flat (eq 10, G-III)."""
        cases = self.budget_cases()
        mode = self.modes[0]
        for case in cases:
            probe = self.constant_probe(case["sign"] * case["zeroed_x"], case["length"])
            value = self.run_candidate(probe, mode).value
            expected = aggregate(-torch.ones_like(probe.log_prob), probe.response_mask, mode)
            self.compare_value(probe, mode, value, expected)
            step = case["width"] * FD_STEP[self.dtype]
            slope, _ = self.log_gate_slope(case["zeroed_x"], case["sign"], case["length"], step)
            if abs(slope) > SLOPE_TOLERANCE[self.dtype] * case["length"]:
                raise Mismatch(f"{case['channel']} channel, {probe.name}: zeroed gate has slope {slope:.6g}, "
                               "expected 0", probe, mode)
        return 2 * len(cases)

    def sign_split(self) -> int:
        """Exactly one channel out of pass-through: the two channels must be aggregated separately (eq 9)."""
        return self.against([p for p in self.families["regimes"] if p.name.count("pass") == 1])

    def zero_log_ratio(self) -> int:
        """Exact zeros: values must match; gradients may follow either sign(0) convention (eq 13 leaves it open)."""
        count = 0
        for probe in self.families["zero_log_ratio"]:
            zero = probe.response_mask & (probe.log_prob == probe.old_log_prob)
            nudged = torch.where(zero, torch.full_like(probe.log_prob, -5e-300), probe.log_prob)
            for mode in self.modes:
                got = self.run_candidate(probe, mode)
                plus = self.run_reference(probe, mode)
                minus = self.run_reference(probe, mode, log_prob=nudged)
                self.compare_value(probe, mode, got.value, plus.value)
                try:
                    self.compare_grad(probe, mode, got.grad, plus.grad, "definition (sign(0)=+1)")
                except Mismatch:
                    self.compare_grad(probe, mode, got.grad, minus.grad, "definition (sign(0)=-1)")
                count += 1
        return count

    def sign_restricted(self, probe: Probe, sign: float) -> Probe:
        """The probe with advantages of one sign only (|A| or -|A|)."""
        return replace(probe, name=f"{probe.name}, A {'>' if sign > 0 else '<'} 0", row_advantages=None,
                       advantages=sign * probe.advantages.abs())

    def clip_semantics(self) -> int:
        """Ratios past each clip edge with A > 0 and with A < 0: the pessimistic min picks the right branch."""
        probes = [self.sign_restricted(p, s) for p in self.families["regimes"] for s in (1.0, -1.0)]
        self.families["clip_semantics"] = probes  # kept for the deviation profile
        return self.against(probes, modes=self.native_modes())

    def dual_clip(self) -> int:
        """A < 0 past the clips: no dual clip unless clip_ratio_c is configured (then capped at -A c, Ye et al.)."""
        probes = [self.sign_restricted(p, -1.0) for p in self.families["regimes"] + self.families["large_log_ratio"]]
        return self.against(probes, modes=self.native_modes())

    def masks(self) -> int:
        """NaN / +-inf at masked positions and fully masked rows change neither the loss nor its gradient."""
        return self.against(self.families["masks"])

    def hyperparameters(self) -> int:
        """The loss follows the configured hyperparameters: each varied on its own (and all together)."""
        probes = [variation for probe in self.families["regimes"][:2] for variation in self.settings.variations(probe)]
        if not probes:
            raise Mismatch("no hyperparameter can be varied under this key mapping")
        return self.against(probes, modes=self.native_modes())

    def advantage_shapes(self) -> int:
        """Advantages given as [B] (TRL's shape) give the same loss and gradient as [B, T] (verl's), if accepted."""
        count = 0
        for probe in [p for p in self.all_probes("on_policy", "regimes") if p.row_advantages is not None][:3]:
            for mode in self.native_modes():
                try:
                    got = self.run_candidate(probe, mode, advantages=probe.row_advantages)
                except Mismatch as error:
                    self.advantage_note = f"[B] advantages refused ({error}); only [B, T] checked"
                    return 0
                want = self.run_candidate(probe, mode)
                self.compare_value(probe, mode, got.value, want.value, "with [B, T] advantages")
                if got.grad is not None:
                    self.compare_grad(probe, mode, got.grad, want.grad, "with [B, T] advantages")
                count += 1
        return count

    def native_modes(self) -> tuple[str, ...]:
        """The variant's own aggregation mode if the loss accepts it, else every mode it accepts."""
        native = NATIVE_MODE[self.variant]
        return (native,) if native in self.modes else self.modes

    def property_checks(self) -> dict[str, Callable[[], int] | str]:
        """Every property's check, or the reason it does not apply to this variant."""
        fiber = self.variant in FIBER_VARIANTS
        checks: dict[str, Callable[[], int] | str] = {
            "value": lambda: self.against(self.all_probes("on_policy", "regimes", "long_short", "logclip"),
                                          gradient=False),
            "gradient": lambda: self.against(self.all_probes("on_policy", "regimes", "long_short")),
            "identity_at_on_policy": self.identity_at_on_policy,
            "block_structure": self.block_structure,
            "eq20": self.eq20 if self.variant == "fiberpo" else "eq 20 is FiberPO's Jacobian; see block_structure",
            "rollback_slope": self.rollback_slope,
            "zeroing": self.zeroing,
            "sign_split": self.sign_split,
            "logclip_asymmetry": lambda: self.against(self.families["logclip"]),
            "zero_log_ratio": self.zero_log_ratio,
            "clip_semantics": "FiberPO has no ratio clip; see logclip_asymmetry" if fiber else self.clip_semantics,
            "dual_clip": self.dual_clip if self.variant in DUAL_CLIP_VARIANTS and not fiber else
            f"{self.variant} defines no dual clip",
            "masks": self.masks,
            "aggregation_semantics": lambda: self.against(self.families["aggregation"]),
            "hyperparameters": self.hyperparameters,
            "rollout_is_weights": lambda: self.against(self.families["rollout_is_weights"], modes=self.native_modes()),
            "advantage_shapes": self.advantage_shapes,
            "large_log_ratio": lambda: self.against(self.families["large_log_ratio"]),
        }
        if not fiber:
            checks |= dict.fromkeys(FIBER_ONLY, f"a FiberPO gate property; {self.variant} has none")
        if not self.differentiable:
            checks |= dict.fromkeys(GRADIENT_ONLY, "gradients not checkable: the loss is forward-only")
        return checks

    def run(self, only: tuple[str, ...] | None = None, dump=None) -> list[PropertyResult]:
        """Every property (or those named in `only`), each with its first counterexample; `dump(name, error)`
        is called on every failure that names a probe."""
        unknown = sorted(set(only or ()) - set(PROPERTIES))
        if unknown:
            raise ValueError(f"only: unknown properties {unknown}; choose from {PROPERTIES}")
        checks = self.property_checks()
        results = []
        for name in only or PROPERTIES:
            check = checks[name]
            if isinstance(check, str):
                results.append(PropertyResult(name, "n/a", 0, check))
                continue
            self.advantage_note = None
            try:
                count = check()
                note = self.advantage_note if name == "advantage_shapes" else None
                if note is None and not self.differentiable and name != "value":
                    note = "values only: gradients not checkable"
                results.append(PropertyResult(name, "pass" if count else "n/a", count, note))
            except Mismatch as error:
                results.append(PropertyResult(name, "fail", 0, str(error)))
                if dump is not None and error.probe is not None:
                    dump(name, self, error)
        return results


def supported_modes(candidate: Callable, variant: str, *, device: str = "cpu", dtype=torch.float64,
                    settings: Settings | None = None) -> list[str]:
    """The aggregation modes the candidate accepts (a mode it raises on is not claimed)."""
    settings = settings or Settings()
    probe = on_policy_probes(variant, dtype=dtype, device=device, hyper=settings.hyper)[0]
    modes = []
    for mode in MODES:
        for grad in (True, False):
            try:
                evaluate(candidate, probe, mode, settings.render(probe.config), grad=grad)
                modes.append(mode)
                break
            except Mismatch:
                continue
    return modes


def build_checker(candidate: Callable, variant: str = "fiberpo", *, modes=None, dtype=torch.float64,
                  device: str = "cpu", seed: int = 0, settings: Settings | None = None) -> Checker | str:
    """A Checker on the modes the candidate claims (all it accepts when `modes` is None), or why there is none."""
    modes = modes or supported_modes(candidate, variant, device=device, dtype=dtype, settings=settings)
    if not modes:
        return "the loss raised for every loss_agg_mode: " + first_refusal(candidate, variant, settings, dtype, device)
    return Checker(candidate, variant, modes=modes, dtype=dtype, device=device, seed=seed, settings=settings)


def check_conformance(candidate: Callable, variant: str = "fiberpo", *, modes=None, dtype=torch.float64,
                      device: str = "cpu", seed: int = 0, only: tuple[str, ...] | None = None,
                      settings: Settings | None = None, dump=None) -> list[PropertyResult]:
    """Run every property (or `only` these) on the modes the candidate claims (all it accepts when `modes` is None)."""
    checker = build_checker(candidate, variant, modes=modes, dtype=dtype, device=device, seed=seed, settings=settings)
    if isinstance(checker, str):
        return [PropertyResult(name, "fail", 0, checker) for name in only or PROPERTIES]
    return checker.run(only, dump)


def first_refusal(candidate: Callable, variant: str, settings: Settings | None, dtype, device: str) -> str:
    """The exception the candidate raises on the first probe in its variant's native mode."""
    settings = settings or Settings()
    probe = on_policy_probes(variant, dtype=dtype, device=device, hyper=settings.hyper)[0]
    try:
        evaluate(candidate, probe, NATIVE_MODE[variant], settings.render(probe.config), grad=False)
    except Mismatch as error:
        return str(error)
    return "(no exception on a retry)"


def conforms(results: list[PropertyResult]) -> bool:
    """True when no property failed."""
    return all(result.status != "fail" for result in results)

"""Conformance of a third-party policy loss (verl signature) with its RGF definition (App. C.4; eqs 6-16, 20, 31)."""

from __future__ import annotations

import importlib
import importlib.util
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from fiberpo_check.engine.aggregation import MODES
from fiberpo_check.engine.batch import masked
from fiberpo_check.verification.checks.jacobian_probes import eq20_terms, eq20_vjp
from fiberpo_check.verification.conform_probes import (
    DEGENERATE_CLASSES,
    Probe,
    constant_trajectory,
    on_policy_probes,
    probe_families,
    rollback_and_zeroing_cases,
    variant_config,
)
from fiberpo_check.verification.conform_semantics import Semantics, detect, semantics
from fiberpo_check.verification.conform_settings import Settings
from fiberpo_check.verification.conform_variants import (
    DUAL_CLIP_VARIANTS,
    FIBER_VARIANTS,
    VARIANTS,
    native_mode,
    config_hyper,
    reference_loss,
)

PROPERTIES = (
    "value", "gradient", "identity_at_on_policy", "block_structure", "eq20", "rollback_slope", "zeroing",
    "sign_split", "logclip_asymmetry", "zero_log_ratio", "clip_semantics", "dual_clip", "degenerate_inputs",
    "aggregation_semantics", "hyperparameters", "rollout_is_weights", "advantage_shapes", "large_log_ratio",
    "masks", "empty_rows", "global_normalisers",
)
# properties outside the paper's definition: their failures are robustness warnings, not deviations
ROBUSTNESS = ("masks", "empty_rows", "global_normalisers")
FIBER_ONLY = ("block_structure", "rollback_slope", "zeroing", "sign_split", "logclip_asymmetry", "zero_log_ratio")
GRADIENT_ONLY = ("gradient", "block_structure", "eq20")
# relative tolerance by the loss's dtype; float64 allows verl's agg_loss, which divides by (T + 1e-8)
TOLERANCE = {torch.float64: 1e-7, torch.float32: 2e-5, torch.bfloat16: 2e-2, torch.float16: 2e-3}
FD_STEP = {torch.float64: 1e-3, torch.float32: 0.2}  # central-difference step, as a fraction of the rollback width
SLOPE_TOLERANCE = {torch.float64: 1e-4, torch.float32: 1e-2}  # on d log G / d|log r|, relative to T
ROUNDING_LENGTH = 256  # below float64, rounding grows with the tokens summed: tolerances scale by T / 256 past it
INPUT_ROUNDING = 8  # value tolerance: 8 unit roundoffs of each input times the loss's sensitivity to it
KINK_STEP = 1e-12  # one-sided gradients at a kink: the reference at log r +- this (plus the dtype's rounding)
READ_KEYS = {"fiber": ("fiberpo_c_pos", "fiberpo_c_neg", "fiberpo_eps", "fiberpo_eps_neg"),
             **dict.fromkeys(DUAL_CLIP_VARIANTS, ("clip_ratio_low", "clip_ratio_high", "clip_ratio_c")),
             **dict.fromkeys(("gspo", "gspo_token", "cispo"), ("clip_ratio_low", "clip_ratio_high"))}
CHECKED = {
    "value": "loss value on on-policy, every gate regime, lengths 1..4096 and the fiber clip, in every mode",
    "gradient": "d loss/d log_prob on the same probes, every valid token, exactly 0 at padding",
    "identity_at_on_policy": "G = r and dG/dr = I at and near log r = 0 (value and gradient)",
    "block_structure": "gradient outside the advantage's block (trajectory / domain) is 0",
    "eq20": "gradient equals the closed-form Jacobian of eq 20",
    "rollback_slope": "d log G / d|log r| = -T inside each channel's rollback band, T = 1..4096",
    "zeroing": "G = 1 and flat past (1 + 1/T) C in each channel",
    "sign_split": "one channel out of pass-through: channels aggregated separately",
    "logclip_asymmetry": "fiber residual clipped in log space at +-eps",
    "zero_log_ratio": "exact zero log-ratios (either sign(0) convention)",
    "clip_semantics": "ratios past each clip edge with A > 0 and A < 0",
    "dual_clip": "A < 0 far past the clips (dual clip only if configured)",
    "degenerate_inputs": "degenerate classes (zero advantages, zero log r, single-token / equal-length rows, ties, "
                         "extreme lengths) in every mode",
    "aggregation_semantics": "ragged batch padded wider than its longest row, in every mode",
    "hyperparameters": "each hyperparameter the definition reads varied alone, then all jointly",
    "rollout_is_weights": "rollout importance weights multiply each token's term",
    "advantage_shapes": "[B] advantages give what [B, T] advantages give",
    "large_log_ratio": "|log r| = 15 at single tokens and whole rows",
    "masks": "NaN / +-inf at padded positions of every input: same loss as the clean batch, 0 gradient there",
    "empty_rows": "fully masked rows (outside the paper's domain T >= 1): as if removed, up to the definition's scale",
    "global_normalisers": "verl's global_batch_info (data parallelism): the local loss rescaled as the definition's",
}
VERDICTS = {"conforms": 0, "does-not-conform": 1, "conforms-with-warnings": 3}  # verdict -> exit status


@dataclass
class PropertyResult:
    """Outcome of one property: pass / fail (a deviation from the definition) / warn (robustness) / n/a, how many
    comparisons were made (up to and including a failing one), the first counterexample (or why n/a), and what the
    property checks."""

    name: str
    status: str
    checks: int
    counterexample: str | None = None
    checked: str = ""


class Mismatch(Exception):
    """A failed comparison, carrying its counterexample text and the probe and mode that show it."""

    def __init__(self, text: str, probe: Probe | None = None, mode: str | None = None):
        super().__init__(text)
        self.probe, self.mode = probe, mode


def load_loss(spec: str) -> Callable:
    """Import MODULE:FUNC or path/to/file.py:FUNC; ValueError naming `spec` when it is malformed, missing or not
    callable."""
    module_name, _, func_name = spec.rpartition(":")
    if not module_name or not func_name:
        raise ValueError(f"spec: expected MODULE:FUNC or path/to/file.py:FUNC, got {spec!r}")
    try:
        module = import_file(module_name) if module_name.endswith(".py") else importlib.import_module(module_name)
    except (ImportError, OSError) as error:
        raise ValueError(f"spec: cannot import module {module_name!r}: {error}") from error
    fn = getattr(module, func_name, None)
    if not callable(fn):
        raise ValueError(f"spec: {module_name!r} has no callable {func_name!r}")
    return fn


def import_file(path: str):
    """Import a Python file by path (its directory first on sys.path, so its own imports resolve)."""
    from pathlib import Path

    file = Path(path).resolve()
    if not file.is_file():
        raise ImportError(f"no such file: {path}")
    name = f"conform_candidate_{file.stem}"
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.parent))
    try:
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - any failure while importing the user's file is an import failure
        sys.modules.pop(name, None)
        raise ImportError(f"{type(error).__name__}: {error}") from error
    finally:
        sys.path.remove(str(file.parent))
    return module


@dataclass
class LossEvaluation:
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


def call(loss_fn: Callable, probe: Probe, mode: str, config, log_prob: Tensor, advantages: Tensor | None) -> Tensor:
    """The loss's scalar on a probe (Mismatch with the probe when it raises or returns no scalar)."""
    label = f"{probe.label} mode={mode}"
    try:
        out = loss_fn(old_log_prob=probe.old_log_prob, log_prob=log_prob,
                      advantages=probe.advantages if advantages is None else advantages,
                      response_mask=probe.response_mask, loss_agg_mode=mode, config=config,
                      rollout_is_weights=probe.rollout_is_weights)
        return as_scalar(out, label)
    except Mismatch as error:
        raise Mismatch(str(error), probe, mode) from error
    except Exception as error:  # noqa: BLE001 - a candidate that raises fails the property, with the probe shown
        raise Mismatch(f"{label}: raised {type(error).__name__}: {error}", probe, mode) from error


def evaluate_loss(loss_fn: Callable, probe: Probe, mode: str, config, *, grad: bool = True,
                  advantages: Tensor | None = None, log_prob: Tensor | None = None) -> LossEvaluation:
    """Call a verl-signature loss on a probe; d loss / d log_prob is zero where the loss does not depend on it."""
    log_prob = (probe.log_prob if log_prob is None else log_prob).detach().clone().requires_grad_(grad)
    loss = call(loss_fn, probe, mode, config, log_prob, advantages)
    if not grad:
        return LossEvaluation(loss.detach(), None)
    if not loss.requires_grad:
        return LossEvaluation(loss.detach(), torch.zeros_like(log_prob))
    return LossEvaluation(loss.detach(), torch.autograd.grad(loss, log_prob, allow_unused=True)[0])


def has_graph(loss_fn: Callable, probe: Probe, mode: str, config) -> bool | None:
    """True when the loss is differentiable in log_prob (its output carries an autograd graph), False when it is
    forward-only (no graph, or it refuses a log_prob that requires grad but takes a plain one), None when it raises
    either way."""
    log_prob = probe.log_prob.detach().clone().requires_grad_(True)
    try:
        return bool(call(loss_fn, probe, mode, config, log_prob, None).requires_grad)
    except Mismatch:
        try:
            call(loss_fn, probe, mode, config, probe.log_prob.detach(), None)
        except Mismatch:
            return None
        return False


class Checker:
    """Runs every property of a candidate loss against the variant's definition on the probe families."""

    def __init__(self, candidate: Callable, variant: str = "fiberpo", *, modes=MODES, dtype=torch.float64,
                 device: str = "cpu", seed: int = 0, settings: Settings | None = None,
                 semantics_name: str | None = None, forward_only: bool = False):
        if variant not in VARIANTS:
            raise ValueError(f"variant: {variant!r} is not one of {VARIANTS}")
        if dtype not in FD_STEP:
            raise ValueError(f"dtype: {dtype} is not one of {tuple(FD_STEP)}")
        bad = [mode for mode in modes if mode not in MODES]
        if bad or not modes:
            raise ValueError(f"modes: {bad or modes} not in {MODES}")
        self.semantics_reason = "given with --semantics" if semantics_name else ""
        if semantics_name is None:
            semantics_name, self.semantics_reason = detect(candidate)
        self.semantics: Semantics = semantics(semantics_name)
        modes = tuple(mode for mode in modes if mode in self.semantics.modes)
        if not modes:
            raise ValueError(f"modes: none of the loss's modes is defined under {self.semantics.name}")
        self.candidate, self.variant = candidate, variant
        self.reference = reference_loss(variant, self.semantics.name)
        self.modes, self.dtype, self.device = modes, dtype, device
        self.settings = settings or Settings()
        self.families = probe_families(variant, dtype=dtype, device=device, seed=seed, hyper=self.settings.hyper)
        self.cache: dict = {}
        self.advantage_note: str | None = None  # why advantage_shapes checked only [B, T]
        self.coverage: dict[str, list[int]] = {}  # degenerate class -> [probe x mode cases run, cases failing]
        self.ignored: dict[str, str] = {}  # hyperparameter key -> evidence that the loss ignores it
        self.comparisons = 0
        self.forward_only = forward_only
        self.differentiable = not forward_only and self.gradient_checkable()

    def gradient_checkable(self) -> bool:
        """False only for a loss without an autograd graph (a zero gradient is a gradient, and is checked)."""
        probe = self.families["on_policy"][0]
        return has_graph(self.candidate, probe, self.modes[0], self.settings.render(probe.config)) is not False

    # -- calls --------------------------------------------------------------------------------------------------

    def run_candidate(self, probe: Probe, mode: str, advantages: Tensor | None = None) -> LossEvaluation:
        """The candidate's outcome on a probe (cached), with the probe's config renamed for it."""
        key = (id(probe), mode, advantages is None)
        if key not in self.cache or advantages is not None:
            out = evaluate_loss(self.candidate, probe, mode, self.settings.render(probe.config),
                                grad=self.differentiable, advantages=advantages)
            if advantages is not None:
                return out
            self.cache[key] = (probe, out)  # the probe is kept alive so its id stays unique
        return self.cache[key][-1]

    def wide(self, probe: Probe) -> Probe:
        """The probe's inputs in float64 (cached): the reference is evaluated there, on the candidate's rounded
        inputs."""
        key = ("float64", id(probe))
        if key not in self.cache:
            self.cache[key] = (probe, probe.float64())
        return self.cache[key][-1]

    def run_reference(self, probe: Probe, mode: str, loss_fn: Callable | None = None, **kw) -> LossEvaluation:
        """The definition's (or a deviation's) outcome on a probe in float64, with the canonical config (cached)."""
        loss_fn = loss_fn or self.reference
        wide = self.wide(probe)
        if "log_prob" in kw:
            return evaluate_loss(loss_fn, wide, mode, probe.config, **kw)
        key = (id(probe), mode, id(loss_fn), kw.get("grad", True))
        if key not in self.cache:
            self.cache[key] = (probe, loss_fn, evaluate_loss(loss_fn, wide, mode, probe.config, **kw))
        return self.cache[key][-1]

    def one_sided(self, probe: Probe, mode: str, loss_fn: Callable | None, value: Tensor) -> list[Tensor] | None:
        """The reference gradient with log r shifted up and down by as much as the candidate's own rounding can move
        it (KINK_STEP in float64, else INPUT_ROUNDING unit roundoffs of |log_prob| + |old_log_prob|): at the probe's
        kinks, and below float64 at every valid token; None when there is nothing to shift."""
        coarse = self.rounding(value) > torch.finfo(torch.float64).eps
        if probe.kinks is None and not coarse:
            return None
        wide = self.wide(probe)
        mask = wide.response_mask
        where = mask if coarse else probe.kinks.to(mask.device)
        size = torch.where(mask, wide.log_prob.abs() + wide.old_log_prob.abs(), 0.0)
        step = KINK_STEP + (INPUT_ROUNDING * self.rounding(value) * size if coarse else 0.0)
        return [self.run_reference(probe, mode, loss_fn, log_prob=torch.where(where, wide.log_prob + sign * step,
                                                                              wide.log_prob)).grad
                for sign in (1.0, -1.0)]

    def rounding(self, value: Tensor) -> float:
        """Unit roundoff of the coarser of the probe dtype and the loss's own dtype."""
        dtype = self.dtype if TOLERANCE[self.dtype] >= TOLERANCE.get(value.dtype, 0) else value.dtype
        return torch.finfo(dtype).eps / 2

    def tolerance(self, value: Tensor, probe: Probe) -> float:
        """Relative tolerance of the coarser of the probe dtype and the loss's own dtype (below float64, scaled by
        the probe's width past ROUNDING_LENGTH tokens: float32 sums of T terms round to ~T ulp)."""
        tol = max(TOLERANCE[self.dtype], TOLERANCE.get(value.dtype, TOLERANCE[torch.float32]))
        if tol > TOLERANCE[torch.float64]:
            tol *= max(1.0, probe.log_prob.shape[-1] / ROUNDING_LENGTH)
        return tol

    def input_rounding(self, probe: Probe, value: Tensor, expected: LossEvaluation | None) -> float:
        """How far the exact loss can move when each input is rounded to the candidate's dtype: INPUT_ROUNDING unit
        roundoffs times sum |d loss / d log_prob| (|log_prob| + |old_log_prob|), from the float64 reference."""
        if expected is None or expected.grad is None:
            return 0.0
        wide = self.wide(probe)
        size = masked(wide.log_prob.abs() + wide.old_log_prob.abs(), wide.response_mask)
        sensitivity = float(masked(expected.grad.abs(), wide.response_mask).mul(size).sum())
        return INPUT_ROUNDING * self.rounding(value) * sensitivity

    def gradient_rounding(self, probe: Probe, mode: str, grad: Tensor) -> Tensor | float:
        """Below float64, how far token j's gradient moves when its inputs are rounded to the candidate's dtype:
        INPUT_ROUNDING unit roundoffs of (|log_prob| + |old_log_prob|) times |mu_j| max|A| (a gate's log-derivative
        is of order one, eqs 10-16)."""
        u = self.rounding(grad)
        if u <= torch.finfo(torch.float64).eps:
            return 0.0
        wide = self.wide(probe)
        mask = wide.response_mask
        size = torch.where(mask, wide.log_prob.abs() + wide.old_log_prob.abs(), 0.0)
        advantage = float(masked(wide.advantages.abs(), mask).nan_to_num(0.0).max())
        return INPUT_ROUNDING * u * size * self.weights(probe, mode).abs() * advantage

    # -- comparisons --------------------------------------------------------------------------------------------

    def compare_value(self, probe: Probe, mode: str, value: Tensor, expected: Tensor, what: str = "expected",
                      reference: LossEvaluation | None = None) -> None:
        """Raise Mismatch unless value == expected within tolerance (NaN never matches)."""
        self.comparisons += 1
        gap = float((value.double() - expected.double()).abs())
        allowed = self.tolerance(value, probe) * max(1.0, float(expected.abs()))
        if not gap <= allowed + self.input_rounding(probe, value, reference):
            raise Mismatch(f"{probe.label} mode={mode}: loss={float(value):.10g} {what}={float(expected):.10g}",
                           probe, mode)

    def compare_grad(self, probe: Probe, mode: str, grad: Tensor | None, expected: Tensor, what: str = "grad",
                     one_sided: list[Tensor] | None = None) -> None:
        """Raise Mismatch unless the gradients agree at every valid token (within the range of the one-sided
        gradients, where given) and are exactly 0 at every masked one."""
        if grad is None:
            return
        self.comparisons += 1
        mask = probe.response_mask
        padded = grad[~mask]
        if padded.numel() and not bool((padded == 0).all()):
            index = tuple(int(i) for i in torch.nonzero(~mask & ((grad != 0) | grad.isnan()))[0])
            raise Mismatch(f"{probe.label} mode={mode}: masked token {index} has d loss/d log_prob="
                           f"{float(grad[index]):.6g} (must be exactly 0 and finite)", probe, mode)
        grad64 = grad.double()
        diff = (grad64 - expected.double()).abs()
        if one_sided:  # at a kink any mix of the branches' gradients: the one-sided ones and a saturated branch's 0
            at_kink = expected if probe.kinks is None else torch.where(probe.kinks, 0.0, expected)
            low = torch.minimum(*one_sided).minimum(expected).minimum(at_kink)
            high = torch.maximum(*one_sided).maximum(expected).maximum(at_kink)
            inside = (grad64 >= low) & (grad64 <= high)
            diff = torch.where(inside, 0.0, torch.minimum((grad64 - low).abs(), (grad64 - high).abs()))
        diff = masked(diff, mask).nan_to_num(nan=float("inf"))
        scale = max(float(masked(expected.abs(), mask).max()), 1e-12)
        excess = diff - self.tolerance(grad, probe) * scale - self.gradient_rounding(probe, mode, grad)
        if float(excess.max()) > 0:
            index = tuple(int(i) for i in torch.nonzero(excess == excess.max())[0])
            zero = " (the loss's gradient is identically zero; the definition's is not)" if not bool(
                grad.any()) else ""
            raise Mismatch(f"{probe.label} mode={mode} token {index}: d loss/d log_prob={float(grad[index]):.10g} "
                           f"{what}={float(expected[index]):.10g}{zero}", probe, mode)

    def compare(self, probe: Probe, mode: str, got: LossEvaluation, loss_fn: Callable | None = None,
                gradient: bool = True) -> None:
        """Value (and gradient, one-sided at the probe's kinks) of `got` against the definition or `loss_fn`."""
        want = self.run_reference(probe, mode, loss_fn)
        self.compare_value(probe, mode, got.value, want.value, reference=want)
        if gradient and got.grad is not None:
            sides = self.one_sided(probe, mode, loss_fn, got.value)
            self.compare_grad(probe, mode, got.grad, want.grad, one_sided=sides)

    def against(self, probes: list[Probe], modes=None, gradient: bool = True, loss_fn: Callable | None = None) -> int:
        """Value (and gradient) equal to the definition (or `loss_fn`) on every probe and mode; returns the count."""
        count = 0
        for probe in probes:
            for mode in modes or self.modes:
                self.compare(probe, mode, self.run_candidate(probe, mode), loss_fn, gradient)
                count += 1
        return count

    def all_probes(self, *families: str) -> list[Probe]:
        """The probes of the named families (those that exist for this variant), in order."""
        return [probe for family in families for probe in self.families.get(family, [])]

    def aggregate(self, values: Tensor, probe: Probe, mode: str) -> Tensor:
        """sum_i mu_i values_i under the checker's semantics, with the probe's config."""
        return self.semantics.aggregate(values, probe.response_mask, mode, probe.config)

    def weights(self, probe: Probe, mode: str) -> Tensor:
        """mu_i = d aggregate / d value_i of the mode under the checker's semantics (float64)."""
        values = torch.zeros(probe.log_prob.shape, dtype=torch.float64, device=probe.log_prob.device,
                             requires_grad=True)
        return torch.autograd.grad(self.aggregate(values, probe, mode), values)[0]

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
            wide = self.wide(probe)
            mask = wide.response_mask
            ratio = torch.exp(masked(wide.log_prob - wide.old_log_prob, mask))
            adv = wide.advantages
            for mode in self.modes:
                got = self.run_candidate(probe, mode)
                if self.variant == "cispo":
                    expected = self.run_reference(probe, mode, grad=False).value
                else:
                    expected = self.aggregate(-ratio * adv, wide, mode)
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
                self.comparisons += 1
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
            wide = self.wide(probe)
            hyper = config_hyper(probe.config)
            mask = wide.response_mask
            log_ratio = masked(wide.log_prob - wide.old_log_prob, mask)
            parts = hyper.parts(log_ratio, mask)
            for mode in self.modes:
                grad = self.run_candidate(probe, mode).grad
                weight = self.weights(probe, mode) * wide.advantages * torch.exp(parts.log_gate)
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
        self.comparisons += 1
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
            expected = self.aggregate(-torch.ones(probe.log_prob.shape, dtype=torch.float64), probe, mode)
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
            wide = self.wide(probe)
            zero = wide.response_mask & (wide.log_prob == wide.old_log_prob)
            nudged = torch.where(zero, torch.full_like(wide.log_prob, -5e-300), wide.log_prob)
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
        key = ("signed", id(probe), sign)
        if key not in self.cache:
            signed = replace(probe, name=f"{probe.name}, A {'>' if sign > 0 else '<'} 0", row_advantages=None,
                             advantages=sign * probe.advantages.abs())
            self.cache[key] = (probe, signed)
        return self.cache[key][-1]

    def clip_semantics(self) -> int:
        """Ratios past each clip edge with A > 0 and with A < 0: the pessimistic min picks the right branch."""
        probes = [self.sign_restricted(p, s) for p in self.families["regimes"] for s in (1.0, -1.0)]
        return self.against(probes, modes=self.native_modes())

    def dual_clip(self) -> int:
        """A < 0 past the clips: no dual clip unless clip_ratio_c is configured (then capped at -A c, Ye et al.)."""
        probes = [self.sign_restricted(p, -1.0) for p in self.families["regimes"] + self.families["large_log_ratio"]]
        return self.against(probes, modes=self.native_modes())

    def degenerate_inputs(self) -> int:
        """Every degenerate class (zero advantages at tokens, rows, groups; zero log-ratios; single-token and
        equal-length rows; ties at the clip / budget edges; extreme lengths) in every mode; each class is run in
        full and its coverage recorded (comparisons, failures), then the first failure is raised."""
        count, first = 0, None
        for name in DEGENERATE_CLASSES:
            probes = self.families.get(f"degenerate/{name}", [])
            if probes:
                self.coverage[name] = [0, 0]
            for probe in probes:
                for mode in self.modes:
                    self.coverage[name][0] += 1
                    count += 1
                    try:
                        self.compare(probe, mode, self.run_candidate(probe, mode))
                    except Mismatch as error:
                        self.coverage[name][1] += 1
                        first = first or Mismatch(f"[{name}] {error}", error.probe, error.mode)
        if first is not None:
            raise first
        return count

    def hyper_keys(self) -> tuple[str, ...]:
        """Every hyperparameter the variant's definition reads (with the framework defaults it may have)."""
        keys = READ_KEYS["fiber" if self.variant in FIBER_VARIANTS else self.variant]
        if self.variant == "dr_grpo" and self.semantics.global_normalisers:
            keys += ("loss_scale_factor",)
        optional = ("fiberpo_eps_neg", "clip_ratio_c")  # read only when configured (a per-sign eps, a dual clip)
        return tuple(key for key in keys if key not in optional or key in self.settings.hyper)

    def hyperparameters(self) -> int:
        """The loss follows every hyperparameter the definition reads: each varied on its own, then all jointly;
        a loss whose output does not move when a key changes (while the definition's does) ignores that key."""
        regimes = self.families["regimes"]  # FiberPO: pass/pass, pass/rollback, rollback/rollback
        base = regimes[:2] + regimes[4:5] + [self.sign_restricted(regimes[0], -1.0)]
        count, failures = 0, []
        for probe in base:
            for key, varied in self.settings.variations(probe, self.hyper_keys()):
                for mode in self.native_modes():
                    got = self.run_candidate(varied, mode)
                    try:
                        self.compare(varied, mode, got)
                    except Mismatch as error:
                        failures.append((key, probe, mode, got, error))
                    count += 1
        if not count:
            raise Mismatch("no hyperparameter can be varied under this key mapping")
        self.ignored = self.ignored_keys(base)
        if failures:
            key, _, _, _, error = failures[0]
            ignored = f"ignores {', '.join(self.ignored)}; " if self.ignored else ""
            raise Mismatch(f"{ignored}varying {key}: {error}", error.probe, error.mode)
        return count

    def ignored_keys(self, base: list[Probe]) -> dict[str, str]:
        """Keys whose change moves the definition on at least two probes and the loss on none of them."""
        ignored = {}
        for key in self.hyper_keys():
            moved, still = 0, True
            for probe in base:
                for name, varied in self.settings.variations(probe, (key,)):
                    if name != key:
                        continue
                    for mode in self.native_modes():
                        if self.same(probe, mode, self.run_reference(varied, mode), self.run_reference(probe, mode)):
                            continue
                        moved += 1
                        still = still and self.same(probe, mode, self.run_candidate(varied, mode),
                                                    self.run_candidate(probe, mode))
            if moved >= 2 and still:
                ignored[key] = f"changing {key} moves the definition on {moved} probes and the loss on none"
        return ignored

    def same(self, probe: Probe, mode: str, a: LossEvaluation, b: LossEvaluation) -> bool:
        """True when two outcomes on (variants of) one batch agree in value and gradient."""
        try:
            self.compare_value(probe, mode, a.value, b.value)
            if a.grad is not None and b.grad is not None:
                self.compare_grad(probe, mode, a.grad, b.grad)
        except Mismatch:
            return False
        return True

    def like_twin(self, family: str, loss_fn: Callable | None = None, modes=None) -> int:
        """The loss treats each probe as its clean twin (no padding garbage, fully masked rows removed, local
        normalisers) up to the constant factor k by which the definition's own loss changes: value = k x twin's,
        gradient = k x twin's on the twin's rows and exactly 0 elsewhere. A deviation from the definition that the
        twin shares is not counted here. With `loss_fn`, k is that loss's factor (a robustness form's)."""
        count = 0
        for probe in self.families[family]:
            twin, rows = probe.twin, probe.twin_rows
            for mode in modes or self.modes:
                got, clean = self.run_candidate(probe, mode), self.run_candidate(twin, mode)
                k = self.definition_factor(probe, twin, mode, loss_fn)
                what = f"{k:.6g} x the loss on {twin.label}"
                self.compare_value(probe, mode, got.value, k * clean.value.double(), what)
                if got.grad is not None:
                    expected = torch.zeros_like(got.grad, dtype=torch.float64)
                    expected[rows if rows is not None else slice(None)] = k * clean.grad.double()
                    self.compare_grad(probe, mode, got.grad, expected, what)
                count += 1
        return count

    def definition_factor(self, probe: Probe, twin: Probe, mode: str, loss_fn: Callable | None = None) -> float:
        """k with definition(probe) = k definition(twin) (or `loss_fn`'s): from the gradients (least squares), else
        the values."""
        want, want_twin = self.run_reference(probe, mode, loss_fn), self.run_reference(twin, mode, loss_fn)
        g = want.grad[probe.twin_rows] if probe.twin_rows is not None else want.grad
        norm = float((want_twin.grad * want_twin.grad).sum())
        if norm > 0:
            return float((g * want_twin.grad).sum()) / norm
        return float(want.value) / float(want_twin.value) if float(want_twin.value) else 1.0

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
        native = native_mode(self.variant)
        return (native,) if native in self.modes else self.modes

    def property_checks(self) -> dict[str, Callable[[], int] | str]:
        """Every property's check, or the reason it does not apply to this variant."""
        fiber = self.variant in FIBER_VARIANTS
        name = self.semantics.name
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
            "degenerate_inputs": self.degenerate_inputs,
            "aggregation_semantics": lambda: self.against(self.families["aggregation"]),
            "hyperparameters": self.hyperparameters,
            "rollout_is_weights": lambda: self.against(self.families["rollout_is_weights"], modes=self.native_modes()),
            "advantage_shapes": self.advantage_shapes,
            "large_log_ratio": lambda: self.against(self.families["large_log_ratio"]),
            "masks": lambda: self.like_twin("masks"),
            "empty_rows": (lambda: self.like_twin("empty_rows")) if self.semantics.empty_rows_defined
            else f"{name} leaves a fully masked row undefined (0/0)",
            "global_normalisers": (lambda: self.like_twin("global_normalisers"))
            if self.semantics.global_normalisers else f"{name} has no global batch normalisers",
        }
        if not fiber:
            checks |= dict.fromkeys(FIBER_ONLY, f"a FiberPO gate property; {self.variant} has none")
        if not self.differentiable:
            why = "--forward-only given" if self.forward_only else "the loss has no autograd graph"
            checks |= dict.fromkeys(GRADIENT_ONLY, f"gradients not checkable: {why}")
        return checks

    def run(self, only: tuple[str, ...] | None = None, dump=None) -> list[PropertyResult]:
        """Every property (or those named in `only`), each with its first counterexample; `dump(name, error)`
        is called on every failure that names a probe. A failing robustness property is a warning ('warn')."""
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
            before = self.comparisons
            try:
                count = check()
                note = self.advantage_note if name == "advantage_shapes" else None
                if note is None and not self.differentiable and name != "value":
                    note = "values only: gradients not checkable"
                results.append(PropertyResult(name, "pass" if count else "n/a", self.comparisons - before, note,
                                              CHECKED[name]))
            except Mismatch as error:
                status = "warn" if name in ROBUSTNESS else "fail"
                results.append(PropertyResult(name, status, max(1, self.comparisons - before), str(error),
                                              CHECKED[name]))
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
                evaluate_loss(candidate, probe, mode, settings.render(probe.config), grad=grad)
                modes.append(mode)
                break
            except Mismatch:
                continue
    return modes


def build_checker(candidate: Callable, variant: str = "fiberpo", *, modes=None, dtype=torch.float64,
                  device: str = "cpu", seed: int = 0, settings: Settings | None = None,
                  semantics_name: str | None = None, forward_only: bool = False) -> Checker | str:
    """A Checker on the modes the candidate claims (all it accepts when `modes` is None), or why there is none;
    `semantics_name` None auto-detects the framework semantics (conform_semantics.detect)."""
    modes = modes or supported_modes(candidate, variant, device=device, dtype=dtype, settings=settings)
    if not modes:
        return "the loss raised for every loss_agg_mode: " + first_refusal(candidate, variant, settings, dtype, device)
    return Checker(candidate, variant, modes=modes, dtype=dtype, device=device, seed=seed, settings=settings,
                   semantics_name=semantics_name, forward_only=forward_only)


def refused(reason: str, only: tuple[str, ...] | None) -> list[PropertyResult]:
    """Every property failed by a loss that raised in every mode (one call per mode was checked)."""
    return [PropertyResult(name, "fail", len(MODES), reason, "the loss called once in every loss_agg_mode")
            for name in only or PROPERTIES]


def check_conformance(candidate: Callable, variant: str = "fiberpo", *, modes=None, dtype=torch.float64,
                      device: str = "cpu", seed: int = 0, only: tuple[str, ...] | None = None,
                      settings: Settings | None = None, dump=None, semantics_name: str | None = None,
                      forward_only: bool = False) -> list[PropertyResult]:
    """Run every property (or `only` these) on the modes the candidate claims (all it accepts when `modes` is None)."""
    checker = build_checker(candidate, variant, modes=modes, dtype=dtype, device=device, seed=seed, settings=settings,
                            semantics_name=semantics_name, forward_only=forward_only)
    if isinstance(checker, str):
        return refused(checker, only)
    return checker.run(only, dump)


def first_refusal(candidate: Callable, variant: str, settings: Settings | None, dtype, device: str) -> str:
    """The exception the candidate raises on the first probe in its variant's native mode."""
    settings = settings or Settings()
    probe = on_policy_probes(variant, dtype=dtype, device=device, hyper=settings.hyper)[0]
    try:
        evaluate_loss(candidate, probe, native_mode(variant), settings.render(probe.config), grad=False)
    except Mismatch as error:
        return str(error)
    return "(no exception on a retry)"


def conforms(results: list[PropertyResult]) -> bool:
    """True when no property of the definition failed (robustness warnings allowed)."""
    return all(result.status != "fail" for result in results)


def verdict(results: list[PropertyResult], strict: bool = False) -> str:
    """'does-not-conform' (a property of the definition fails; with `strict` also a warning), 'conforms-with-
    warnings' (only robustness properties fail) or 'conforms'; VERDICTS gives each one's exit status."""
    if not conforms(results) or (strict and any(r.status == "warn" for r in results)):
        return "does-not-conform"
    return "conforms-with-warnings" if any(r.status == "warn" for r in results) else "conforms"

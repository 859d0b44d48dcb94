"""Diagnosis in words: a library of deviation forms from the RGF definitions (App. C.4; eqs 6-16, 30-33), each a model
loss, confirmed only when it reproduces the candidate on every diagnostic probe, values and gradients, and the probes
separate it from every other form (otherwise the report says so)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import combinations

import torch
from torch import Tensor

from fiberpo_check.engine.batch import masked
from fiberpo_check.engine.objectives.fiberpo import (
    base_log_weight,
    channel_aggregates,
    fiber_arguments,
    fiber_log_residual,
    validated,
)
from fiberpo_check.losses import config_value
from fiberpo_check.verification.checks.jacobian_probes import GateHyper
from fiberpo_check.verification.checks.mutants import detached_aggregates, unit_rollback_slope
from fiberpo_check.verification.conform_semantics import semantics
from fiberpo_check.verification.conform_variants import (
    CLIP_VARIANTS,
    DUAL_CLIP_VARIANTS,
    FIBER_VARIANTS,
    ClipGate,
    clamped,
    clip_loss,
    counts_empty_rows,
    fiber_loss,
    fixed_mode,
    ignores_rollout_weights,
    local_normalisers,
    reference_log_gate,
    sign_zero_log_gate,
    with_config,
)

DIAGNOSIS_FAMILIES = ("on_policy", "regimes", "zero_log_ratio", "logclip", "aggregation", "rollout_is_weights",
                      "large_log_ratio", "degenerate/zero-advantage rows", "degenerate/zero-advantage tokens",
                      "degenerate/single-token rows", "degenerate/equal-length rows")


def base_detached_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """log G with the base weight w_base under stop-gradient (eq 8 detached; the fiber residual keeps its graph)."""
    parts = hyper.parts(log_ratio, mask)
    base = parts.base_log_weight
    base = base[:, None] if base.dim() == 1 else base
    return masked(parts.log_gate - base + base.detach(), mask)


def padded_width_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """log G with the channel means log s+- taken over the padded width instead of T_tau (eq 9, trajectory level)."""
    log_ratio, mask, lengths = validated(log_ratio, mask)
    width = torch.full_like(lengths, mask.shape[-1])
    log_s_pos, log_s_neg = channel_aggregates(log_ratio, mask, width)
    base = base_log_weight(log_s_pos, log_s_neg, lengths, hyper.c_pos, hyper.c_neg)
    same, opposite = fiber_arguments(log_ratio, log_s_pos, log_s_neg)
    return masked(base[:, None] + fiber_log_residual(same, opposite, hyper.eps), mask)


def padded_width_row_mean(reduce: Callable) -> Callable:
    """seq-mean-token-mean with each row's token mean over the padded width instead of its valid length."""

    def reduce_padded(values: Tensor, mask: Tensor, mode: str, config) -> Tensor:
        if mode == "seq-mean-token-mean":
            lengths = mask.sum(-1, keepdim=True).to(values.dtype)
            values = values * lengths / mask.shape[-1]
        return reduce(values, mask, mode, config)

    return reduce_padded


def skips_zero_advantage_rows(loss: Callable) -> Callable:
    """Normalisers (sequence count, token count) over rows with a non-zero advantage only (verl 0.9 keys)."""

    def loss_skipping(**kwargs):
        config = dict(kwargs.get("config") or {})
        mask = kwargs["response_mask"].bool()
        adv = kwargs["advantages"]
        adv = adv[:, None].expand(mask.shape) if adv.dim() == 1 else adv
        live = (masked(adv, mask) != 0).any(-1) & mask.any(-1)
        info = {"global_batch_size": int(live.sum()), "batch_num_tokens": int(mask[live].sum()),
                **dict(config.get("global_batch_info") or {})}
        return loss(**{**kwargs, "config": {**config, "global_batch_info": info}})

    return loss_skipping


@dataclass(frozen=True)
class Model:
    """A loss built from the definition with some ingredients replaced (what a deviation form computes)."""

    variant: str
    semantics_name: str
    clip: ClipGate | None = None
    log_gate: Callable = reference_log_gate
    reduce: Callable | None = None
    wrappers: tuple[Callable, ...] = ()

    def loss(self) -> Callable:
        """The verl-signature loss of this model."""
        reduce = self.reduce or semantics(self.semantics_name).aggregate
        if self.variant in FIBER_VARIANTS:
            loss = fiber_loss(self.log_gate, reduce)
        else:
            loss = clip_loss(self.clip or ClipGate(self.variant), reduce)
        for wrap in self.wrappers:
            loss = wrap(loss)
        return loss


@dataclass(frozen=True)
class Form:
    """A named deviation: which ingredient it replaces (`part`, so two forms compose only on different parts) and
    how."""

    name: str
    part: str
    change: Callable[[Model], Model]
    variants: tuple[str, ...] = ()  # empty: every variant

    def applies(self, variant: str, semantics_name: str) -> bool:
        """True when the form exists for this variant (normaliser forms need verl 0.9's global keys)."""
        if self.variants and variant not in self.variants:
            return False
        return not self.part.startswith("normaliser") or semantics_name == "verl-0.9"


def gate(fn: Callable) -> Callable[[Model], Model]:
    """A form replacing FiberPO's log-gate map."""
    return lambda model: replace(model, log_gate=fn)


def clip_option(**options) -> Callable[[Model], Model]:
    """A form changing an option of the clip-family gate."""
    return lambda model: replace(model, clip=replace(model.clip or ClipGate(model.variant), **options))


def wrapped(wrap: Callable) -> Callable[[Model], Model]:
    """A form wrapping the loss (a config change, a clamp, a fixed mode, ...)."""
    return lambda model: replace(model, wrappers=model.wrappers + (wrap,))


def shared_mean_budget(loss: Callable) -> Callable:
    """C+ = C- = (C+ + C-) / 2 (the paper's delta / 2)."""
    mean = lambda c: (config_value(c, "fiberpo_c_pos") + config_value(c, "fiberpo_c_neg")) / 2  # noqa: E731
    return with_config(loss, fiberpo_c_pos=mean, fiberpo_c_neg=mean)


CLIP = tuple(v for v in CLIP_VARIANTS if v != "cispo")  # the variants whose gate is a pessimistic clip of r
LIBRARY = (
    Form("one shared budget: C- = C+", "config.budget",
         wrapped(lambda loss: with_config(loss, fiberpo_c_neg=lambda c: config_value(c, "fiberpo_c_pos"))),
         FIBER_VARIANTS),
    Form("one shared budget: C+ = C- = (C+ + C-)/2", "config.budget", wrapped(shared_mean_budget), FIBER_VARIANTS),
    Form("sign(0) in neither channel: zero log-ratio tokens dropped from the fiber residual (eq 13)", "gate",
         gate(sign_zero_log_gate), FIBER_VARIANTS),
    Form("stop-gradient on log s+- (GSPO-token style aggregates)", "gate", gate(detached_aggregates), ("fiberpo",)),
    Form("stop-gradient on the base weight w_base (eq 8)", "gate", gate(base_detached_log_gate), FIBER_VARIANTS),
    Form("channel means log s+- over the padded width instead of the valid length T (eq 9)", "gate",
         gate(padded_width_log_gate), ("fiberpo",)),
    Form("rollback slope -1 instead of -T (eq 10)", "gate", gate(unit_rollback_slope), ("fiberpo",)),
    Form("no pessimistic min (clip only)", "clip.use_min", clip_option(use_min=False), CLIP),
    Form("GSPO-token gradient (stop-gradient on the sequence ratio)", "clip.token_level",
         clip_option(token_level=True), ("gspo",)),
    Form("sequence-level GSPO gradient", "clip.token_level", clip_option(token_level=False), ("gspo_token",)),
    Form("trajectory log-ratio clamped at 10 from above", "clip.mean_clamp", clip_option(mean_clamp=10.0),
         ("gspo", "gspo_token")),
    Form("IS weight clipped from above only", "clip.lower_clip", clip_option(lower_clip=False), ("cispo",)),
    Form("no stop-gradient on the clipped IS weight", "clip.stop_gradient", clip_option(stop_gradient=False),
         ("cispo",)),
    Form("one eps for both sides (clip_ratio_high = clip_ratio_low)", "config.eps",
         wrapped(lambda loss: with_config(loss, clip_ratio_high=lambda c: config_value(c, "clip_ratio_low"))),
         CLIP + ("cispo",)),
    Form("dual-clip overlay at clip_ratio_c = 3 (not configured)", "config.dual_clip",
         wrapped(lambda loss: with_config(loss, clip_ratio_c=3.0)), DUAL_CLIP_VARIANTS),
    *(Form(f"log-ratio clamp at +-{limit:g}", "clamp", wrapped(lambda loss, limit=limit: clamped(loss, limit)),
           FIBER_VARIANTS + CLIP) for limit in (10.0, 20.0)),
    Form("ignores rollout_is_weights", "rollout", wrapped(ignores_rollout_weights)),
    *(Form(f"ignores loss_agg_mode (always {mode})", "mode", wrapped(lambda loss, mode=mode: fixed_mode(loss, mode)))
      for mode in ("token-mean", "seq-mean-token-mean", "seq-mean-token-sum-norm")),
    Form("per-trajectory mean over the padded width instead of the valid length (seq-mean-token-mean)", "reduce",
         lambda model: replace(model, reduce=padded_width_row_mean(semantics(model.semantics_name).aggregate))),
    Form("normaliser skips zero-advantage rows (sequence and token counts)", "normaliser",
         wrapped(skips_zero_advantage_rows)),
)
# robustness forms: each explains one robustness property's failure on that property's own probes
ROBUSTNESS_FORMS = {
    "empty_rows": ("normaliser counts empty rows (fully masked rows in the sequence count)", counts_empty_rows),
    "global_normalisers": ("ignores global_batch_info: local normalisers under data parallelism", local_normalisers),
}


@dataclass
class Finding:
    """A deviation form the candidate was shown to have (or the plain statement that none fits), with evidence."""

    name: str
    level: str  # "deviation" (from the definition) or "warning" (robustness)
    evidence: str
    probe: str = ""
    mode: str = ""
    numbers: dict = field(default_factory=dict)

    def line(self) -> str:
        """One report line."""
        where = f" [{self.probe} mode={self.mode}]" if self.probe else ""
        return f"{self.name}: {self.evidence}{where}"


def cases(checker) -> list[tuple]:
    """(probe, mode) pairs the forms are judged on: the definition's probes (no padding garbage, no empty rows, no
    global normalisers), each advantage sign separately, the native mode, and every mode on the aggregation and
    zero-advantage probes."""
    found = []
    for family in DIAGNOSIS_FAMILIES:
        every = family == "aggregation" or family.startswith("degenerate/")
        modes = checker.modes if every else checker.native_modes()
        found += [(probe, mode) for probe in checker.families.get(family, []) for mode in modes]
    signed = [checker.sign_restricted(p, s) for p in checker.families["regimes"][:2] for s in (1.0, -1.0)]
    return found + [(probe, checker.native_modes()[0]) for probe in signed]


def matches(checker, probe, mode, got, loss_fn) -> bool:
    """True when the candidate's outcome equals `loss_fn`'s: value, and gradient except on probes with kinks (where
    an implementation may pick any mix of the branches' gradients, so a gradient there tells no form apart)."""
    return passes(lambda: checker.compare(probe, mode, got, loss_fn, gradient=probe.kinks is None))


@dataclass
class Fit:
    """How a model fares on the diagnostic cases: every case reproduced, and where it departs from the definition."""

    name: str
    loss: Callable
    explains_all: bool
    shown_by: tuple | None  # (probe, mode, got) where the candidate and the model leave the definition together


def judge(checker, name: str, loss_fn: Callable, observed: list[tuple], stop_early: bool) -> Fit:
    """Run a model on every case: does it reproduce the candidate everywhere, and where does it show?"""
    explains, shown = True, None
    for probe, mode, got, at_definition in observed:
        if not matches(checker, probe, mode, got, loss_fn):
            explains = False
            if stop_early:
                break
        elif not at_definition and shown is None:
            shown = (probe, mode, got)
    return Fit(name, loss_fn, explains, shown)


def observe(checker) -> list[tuple]:
    """(probe, mode, candidate outcome, equals the definition?) on every diagnostic case the candidate answers."""
    from fiberpo_check.verification.conform import Mismatch

    observed = []
    for probe, mode in cases(checker):
        try:
            got = checker.run_candidate(probe, mode)
        except Mismatch:
            continue
        observed.append((probe, mode, got, matches(checker, probe, mode, got, None)))
    return observed


def model_forms(checker, observed: list[tuple]) -> tuple[list[Finding], Callable | None]:
    """The library's forms (and pairs of forms on different parts) that reproduce the candidate on every case;
    forms the probes do not separate are reported together, never one of them alone. Also returns the confirmed
    form's loss (None unless exactly one is confirmed)."""
    base = Model(checker.variant, checker.semantics.name)
    forms = [f for f in LIBRARY if f.applies(checker.variant, checker.semantics.name)]
    losses = [f.change(base).loss() for f in forms]
    fits = [judge(checker, f.name, loss, observed, stop_early=True) for f, loss in zip(forms, losses)]
    confirmed = [fit for fit in fits if fit.explains_all and fit.shown_by]
    if not confirmed:  # pairs of forms that each reproduce some departure from the definition
        fits = [judge(checker, f.name, loss, observed, stop_early=False) for f, loss in zip(forms, losses)]
        partial = [(form, fit) for form, fit in zip(forms, fits) if fit.shown_by]
        for (f1, _), (f2, _) in combinations(partial, 2):
            if f1.part == f2.part:
                continue
            fit = judge(checker, f"{f1.name} + {f2.name}", f2.change(f1.change(base)).loss(), observed,
                        stop_early=True)
            if fit.explains_all and fit.shown_by:
                confirmed.append(fit)
    if len(confirmed) > 1:
        names = " / ".join(fit.name for fit in confirmed)
        return [Finding(f"one of: {names}", "deviation", "each reproduces every diagnostic probe; the probes do not "
                        "separate them")], None
    return [finding(checker, fit) for fit in confirmed], (confirmed[0].loss if confirmed else None)


def finding(checker, fit: Fit) -> Finding:
    """The Finding of a confirmed model: the probe that shows it, with the three numbers."""
    probe, mode, got = fit.shown_by
    definition = checker.run_reference(probe, mode).value
    model = checker.run_reference(probe, mode, fit.loss).value
    same = abs(float(got.value) - float(definition)) <= 1e-12 * max(1.0, abs(float(definition)))
    shown = "same value, the gradient differs" if same else (
        f"loss={float(got.value):.10g}, definition={float(definition):.10g}, this form={float(model):.10g}")
    return Finding(fit.name, "deviation", f"reproduces every diagnostic probe (values and gradients); {shown}",
                   probe.label, mode, {"loss": float(got.value), "definition": float(definition),
                                       "form": float(model)})


def on_policy_coupling(checker) -> Finding | None:
    """'On-policy gradient is -mu (A_j + c sum A / T)': c fitted on the on-policy probes (log r = 0), confirmed only
    when the fit is exact on each of them, the values equal the definition, and c differs from 0."""
    if not checker.differentiable or checker.variant in ("gspo", "cispo"):
        return None
    mode = checker.native_modes()[0]
    xs, ys, probes = [], [], []
    for probe in checker.families["on_policy"][:2]:
        try:
            got = checker.run_candidate(probe, mode)
        except Exception:  # noqa: BLE001 - a loss that raises here has no on-policy gradient to fit
            return None
        want = checker.run_reference(probe, mode)
        if not matches_value(checker, probe, mode, got, want):
            return None
        wide = checker.wide(probe)
        mask = wide.response_mask
        adv = masked(wide.advantages, mask)
        row_mean = adv.sum(-1, keepdim=True) / mask.sum(-1, keepdim=True).clamp(min=1)
        xs.append(masked(-checker.weights(probe, mode) * row_mean, mask)[mask])
        ys.append((got.grad.double() - want.grad)[mask])
        probes.append(probe)
    x, y = torch.cat(xs), torch.cat(ys)
    if float(x.abs().max()) == 0:
        return None
    c = float((x * y).sum() / (x * x).sum())
    for xi, yi, probe in zip(xs, ys, probes):
        scale = max(float(checker.run_reference(probe, mode).grad.abs().max()), 1e-12)
        if float((yi - c * xi).abs().max()) > checker.tolerance(yi, probe) * scale:
            return None
    if abs(c) < 1e-6:
        return None
    return Finding(f"on-policy gradient is -mu (A_j + c sum A / T) with c = {c:.4g} (the definition: c = 0)",
                   "deviation", f"fit exactly on {len(x)} tokens of {len(probes)} on-policy probes (trajectory and "
                   "token advantages); the values equal the definition's", probes[-1].label, mode, {"c": c})


def matches_value(checker, probe, mode, got, want) -> bool:
    """Value equality within the checker's tolerance."""
    from fiberpo_check.verification.conform import Mismatch

    try:
        checker.compare_value(probe, mode, got.value, want.value, reference=want)
    except Mismatch:
        return False
    return True


def sign_dependent(checker, observed: list[tuple]) -> Finding | None:
    """'Matches the definition only where A > 0 (or < 0)': every sign-restricted probe of one sign agrees with the
    definition and one of the other sign does not."""
    verdict = {}
    for sign in ("> 0", "< 0"):
        signed = [entry for entry in observed if entry[0].name.endswith(f"A {sign}")]
        verdict[sign] = (bool(signed) and all(entry[3] for entry in signed),
                         [entry for entry in signed if not entry[3]])
    for sign, other in (("> 0", "< 0"), ("< 0", "> 0")):
        if verdict[sign][0] and verdict[other][1]:
            probe, mode, got, _ = verdict[other][1][0]
            return Finding(f"matches the definition only where A {sign} (a hyperparameter that depends on the "
                           "advantage's sign)", "deviation", f"every probe with A {sign} agrees with the definition; "
                           f"this one with A {other} does not: loss={float(got.value):.10g}, definition="
                           f"{float(checker.run_reference(probe, mode).value):.10g}", probe.label, mode)
    return None


def robustness_findings(checker, failed: set[str], deviation: Callable | None = None) -> list[Finding]:
    """Each failing robustness property explained on its own probes: padding leaks, empty rows, local normalisers,
    or (with `deviation`, a confirmed deviation form's loss) the candidate's rescaling is that form's own; each only
    in the modes where the property fails."""
    found = padding_leaks(checker) if "masks" in failed else []
    for prop, (name, make) in ROBUSTNESS_FORMS.items():
        if prop not in failed:
            continue
        modes = [mode for mode in checker.modes if not passes(lambda m=mode: checker.like_twin(prop, modes=(m,)))]
        shown = f" (in {', '.join(modes)})" if len(modes) < len(checker.modes) else ""
        if deviation is not None and passes(lambda: checker.like_twin(prop, deviation, modes)):
            found.append(Finding(f"{prop}{shown}: follows from the deviation above", "warning", "the loss rescales "
                                 "between each probe and its clean twin exactly as that deviation does"))
            continue
        model = Model(checker.variant, checker.semantics.name, wrappers=(make,)).loss()
        if passes(lambda: checker.like_twin(prop, model, modes)):
            found.append(Finding(f"{name}{shown}", "warning", f"the loss changes between each {prop} probe and its "
                                 "clean twin by exactly this form's factor", checker.families[prop][0].label,
                                 modes[0]))
        else:
            found.append(Finding(f"{prop}{shown}: no known form fits", "warning", "the failure is shown in the table"))
    return found


def passes(check: Callable) -> bool:
    """True when a check raises no Mismatch."""
    from fiberpo_check.verification.conform import Mismatch

    try:
        check()
    except Mismatch:
        return False
    return True


def padding_leaks(checker) -> list[Finding]:
    """NaN/inf at masked positions reaching the loss or its gradient (a mask multiplied in instead of selected)."""
    from fiberpo_check.verification.conform import Mismatch

    leaks: dict[str, list] = {}
    for probe in checker.families["masks"]:
        for mode in checker.modes:
            try:
                got = checker.run_candidate(probe, mode)
            except Mismatch:
                continue
            if not bool(torch.isfinite(got.value)):
                where = "the loss"
            elif got.grad is not None and not bool(torch.isfinite(got.grad).all()):
                where = "the gradient"
            elif got.grad is not None and not bool((got.grad[~probe.response_mask] == 0).all()):
                where = "the gradient at masked positions"
            else:
                continue
            leaks.setdefault(where, []).append((probe, mode))
            break
    found = []
    for where, hits in leaks.items():
        probe, mode = hits[0]
        kinds = ", ".join(p.name.split()[0] for p, _ in hits)
        found.append(Finding(f"{kinds} padding leaks into {where} (mask multiplied in, not selected)", "warning",
                             "non-finite values at padded positions reach the output", probe.label, mode))
    return found


def diagnose(checker, results) -> list[Finding]:
    """Named deviations (or 'no known deviation form fits') and robustness explanations for the failed properties."""
    failed = {r.name for r in results if r.status == "fail"}
    warned = {r.name for r in results if r.status == "warn"}
    found: list[Finding] = []
    deviation = None
    if failed:
        observed = observe(checker)
        models, deviation = model_forms(checker, observed)
        found += models
        found += [Finding(f"ignores {key}", "deviation", evidence) for key, evidence in checker.ignored.items()]
        if not found:
            found += [f for f in (on_policy_coupling(checker), sign_dependent(checker, observed)) if f]
        if not found:
            found.append(Finding("no known deviation form fits", "deviation",
                                 f"no form of the library (or pair of forms) reproduces the failures of "
                                 f"{', '.join(sorted(failed))}; see the counterexamples above"))
    return found + robustness_findings(checker, warned, deviation)

"""RGF-1 check: the RGF forms equal the standard losses; mutated weights or gates are rejected."""

from fiberpo_check.checks.rgf_forms import rgf_forms_verdict
from fiberpo_check.objectives import surrogate


def test_rgf_forms_verified():
    verdict = rgf_forms_verdict(n_batches=4)
    assert verdict.status == "verified-numerically", verdict.evidence


def test_grpo_with_ppo_weights_is_rejected():
    def mutated(method, *args, **kw):
        return surrogate("ppo" if method == "grpo" else method, *args, **kw)

    assert rgf_forms_verdict(n_batches=4, rgf=mutated).status == "refuted"


def test_gate_without_min_is_rejected():
    def mutated(method, *args, **kw):
        return surrogate(method, *args, **kw, use_min=False)

    assert rgf_forms_verdict(n_batches=4, rgf=mutated).status == "refuted"

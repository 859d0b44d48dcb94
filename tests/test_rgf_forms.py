"""RGF-1: the package's RGF forms equal the standard losses in float64 (the derivations prove the identity); float
mutants are refuted."""

from fiberpo_check.verification.checks.rgf_forms import grpo_with_ppo_weights, rgf_forms_check, without_min


def statuses(subs):
    return {s.id: s.status.value for s in subs}


def test_rgf_forms_match_the_standard_losses_in_float64():
    subs = rgf_forms_check()
    assert set(statuses(subs)) == {"RGF-1/ppo", "RGF-1/grpo", "RGF-1/gspo"}
    for sub in subs:
        assert [o.engine for o in sub.outcomes] == ["float64 (torch)"]
        assert all(o.holds for o in sub.outcomes)


def test_float_mutants_are_refuted():
    for mutated in (grpo_with_ppo_weights, without_min):
        assert "refuted" in statuses(rgf_forms_check(rgf=mutated)).values()

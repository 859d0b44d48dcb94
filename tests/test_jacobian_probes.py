"""Matrix-free Jacobian checks (Props 5.2-5.5, eq 20), FiberPO-Domain structure, and their negative controls."""


import pytest
import torch

from fiberpo_check.engine.gates import gate_regime
from fiberpo_check.verification.checks import jacobian_suite
from fiberpo_check.verification.checks.jacobian_probes import (
    GateHyper,
    autograd_jvp,
    autograd_vjp,
    block_leak,
    eq20_jvp,
    eq20_probe_gap,
    eq20_terms,
    eq20_vjp,
    identity_gap,
    identity_radius,
    identity_radius_check,
    log_gate_map,
    random_tangent,
)
from fiberpo_check.verification.checks.mutants import MUTANTS, mutant_map
from fiberpo_check.verification.checks.probe_batches import (
    aggregate_in_regime,
    mixed_regime_batch,
    random_lengths,
    regime_batch,
)

HYPER = GateHyper()


@pytest.fixture(scope="module")
def batch():
    lengths = random_lengths(10, 9, seed=2)
    return mixed_regime_batch(lengths, c_pos=HYPER.c_pos, c_neg=HYPER.c_neg, seed=2)


@pytest.mark.parametrize("pos", ["pass", "rollback", "zeroed"])
@pytest.mark.parametrize("neg", ["pass", "rollback", "zeroed"])
def test_regime_batches_land_in_the_requested_regimes_and_match_eq20(pos, neg):
    lengths = torch.tensor([2, 3, 7, 16])
    log_ratio, mask = regime_batch(pos, neg, lengths, c_pos=HYPER.c_pos, c_neg=HYPER.c_neg, seed=5)
    parts = HYPER.parts(log_ratio, mask)
    names = ("pass", "rollback", "zeroed")
    assert (gate_regime(parts.log_s_pos, HYPER.c_pos, parts.lengths) == names.index(pos)).all()
    assert (gate_regime(parts.log_s_neg, HYPER.c_neg, parts.lengths) == names.index(neg)).all()
    gaps = eq20_probe_gap(log_ratio, mask, HYPER)
    assert max(gaps.values()) < 1e-13
    assert block_leak(log_gate_map(mask, HYPER), log_ratio, mask, torch.arange(4)) == 0.0


def test_closed_form_vjp_is_the_transpose_of_the_closed_form_jvp(batch):
    log_ratio, mask = batch
    terms = eq20_terms(HYPER.parts(log_ratio, mask), HYPER)
    v, w = random_tangent(log_ratio, mask, 1), random_tangent(log_ratio, mask, 2)
    assert abs(float((w * eq20_jvp(terms, v)).sum() - (v * eq20_vjp(terms, w)).sum())) < 1e-13


def test_dense_cross_check_agrees_with_probes_and_jacobian_module():
    dense = jacobian_suite.dense_cross_check(HYPER)
    assert dense["eq20_blocks"] < 1e-13 and dense["off_block_max"] == 0.0 and dense["jvp_vs_dense"] < 1e-13


def test_identity_at_on_policy_and_exact_identity_ball(batch):
    _, mask = batch
    assert max(identity_gap(mask, HYPER).values()) < 1e-13
    for length in (1, 2, 5, 100):
        check = identity_radius_check(length, HYPER, n_random=64)
        assert check["inside_defect"] < 1e-15 and check["outside_defect"] > 1e-9
    assert identity_radius(torch.tensor([1]), HYPER) == min(HYPER.c_pos, HYPER.c_neg)
    assert identity_radius(torch.tensor([3, 2]), HYPER) == pytest.approx(HYPER.eps * 1.5)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_each_negative_control_is_rejected_by_its_check(batch, name):
    log_ratio, mask = batch
    fn = mutant_map(name, mask, HYPER)
    prop = MUTANTS[name][1]
    if prop == "eq20":
        assert max(eq20_probe_gap(log_ratio, mask, HYPER, fn=fn).values()) > 1e-3
    elif prop == "block_diagonal":
        assert block_leak(fn, log_ratio, mask, torch.arange(mask.shape[0])) > 1e-3
    else:
        assert identity_gap(mask, HYPER, fn=fn)["jvp"] > 1e-3


def test_stop_gradient_passes_identity_but_fails_eq20(batch):
    """Prop 5.4 alone cannot tell a stop-gradient implementation apart; eq 20 can."""
    log_ratio, mask = batch
    fn = mutant_map("detached_aggregates", mask, HYPER)
    assert identity_gap(mask, HYPER, fn=fn)["jvp"] < 1e-13
    assert eq20_probe_gap(log_ratio, mask, HYPER, fn=fn)["vjp"] > 1e-3


def test_scale_separation_holds_except_in_rollback():
    rows = jacobian_suite.scale_separation_rows(HYPER, lengths=(4, 32))
    for row in rows:
        assert row["self_max"] == 1.0
        if row["regime"] == "rollback":
            assert row["coupling_entry_max"] > 0.99
        else:
            assert row["coupling_entry_max_times_T"] <= 1.0 + 1e-12


def test_fiberpo_domain_jacobian_is_block_diagonal_over_domains_with_predicted_coupling():
    rows = {r["scenario"]: r for r in jacobian_suite.domain_structure_rows(n_traj=8, max_len=4)}
    assert rows["all levels pass-through"]["trajectory_leak"] == 0.0
    for name, row in rows.items():
        assert row["domain_leak"] == 0.0 and row["prediction_gap"] < 1e-13
        if name != "all levels pass-through":
            assert row["trajectory_leak"] > 0.0
    assert rows["trajectory level gated"]["group_leak"] == 0.0
    assert rows["domain level gated"]["group_leak"] > 0.0


def test_autodiff_probes_run_in_float32_and_are_deterministic(batch):
    log_ratio, mask = batch
    fn = log_gate_map(mask, HYPER)
    v = random_tangent(log_ratio, mask, 0)
    assert torch.equal(autograd_vjp(fn, log_ratio, v), autograd_vjp(fn, log_ratio, v))
    gaps = eq20_probe_gap(log_ratio.float(), mask, HYPER)
    assert max(gaps.values()) < 1e-5
    assert autograd_jvp(fn, log_ratio.float(), v.float()).dtype == torch.float32


def test_scaling_rows_small_sizes():
    rows = jacobian_suite.scaling_rows([2_000, 8_000], HYPER, mean_len=64, repeats=1)
    assert [r["trajectory_leak"] for r in rows] == [0.0, 0.0]
    assert all(r["seconds"] > 0 and max(r["eq20_jvp"], r["eq20_vjp"]) < 1e-13 for r in rows)


def test_bad_inputs_raise_value_errors():
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="regime"):
        aggregate_in_regime("sideways", 0.1, torch.tensor([3]), gen)
    with pytest.raises(ValueError, match="n_traj"):
        random_lengths(0, 4, seed=0)
    with pytest.raises(ValueError, match="name"):
        mutant_map("nope", torch.ones(1, 2, dtype=torch.bool), HYPER)


@pytest.mark.slow
def test_one_million_tokens_probe_suite():
    rows = jacobian_suite.scaling_rows([1_000_000], HYPER, repeats=1)
    assert rows[0]["tokens"] >= 1_000_000 and rows[0]["trajectory_leak"] == 0.0


def test_hierarchy_checks_measure_what_their_outcomes_say():
    from fiberpo_check.verification.checks import hierarchy_checks

    [engine] = hierarchy_checks.engine_check()
    assert engine.outcomes[0].holds and engine.outcomes[0].measurements["compact_gap"] <= 1e-12
    [wrong] = hierarchy_checks.engine_check(wrong_domains=True)
    assert wrong.status == "refuted" and wrong.outcomes[0].measurements["compact_gap"] > 1e-6
    sink = {}
    [inputs] = hierarchy_checks.independence_check(sink=sink)
    assert inputs.outcomes[0].holds and set(sink["input_shift"].values()) == {0.0}
    assert max(r["domain_leak"] for r in sink["structure"]) == 0.0  # block-diagonal over domains


def test_verify_cli_usage_errors():
    from fiberpo_check.cli import verify

    assert verify.main(["--preset", "huge"]) == 2
    if not torch.cuda.is_available():
        assert verify.main(["--device", "cuda"]) == 2

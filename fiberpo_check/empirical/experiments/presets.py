"""Experiment presets: quick (seconds, used by tests), default (`make experiments`, minutes), full (longer)."""

from __future__ import annotations

import copy

from fiberpo_check.engine.objectives.fiberpo import FIBERPO_HYPER

BANDIT_METHODS = {
    "ppo": {"eps_low": 0.2},
    "grpo": {"eps_low": 0.2},
    "gspo": {"eps_low": 3e-4, "eps_high": 4e-4},
    "fiberpo": dict(FIBERPO_HYPER),
    "apc": {"delta": 0.1},
    "tv_trpo": {"delta": 0.1},
}

LM_VARIANTS = {  # budgets are not set here: the drift calibration picks each method's from its candidates
    "grpo": {"method": "grpo"},
    "gspo": {"method": "gspo"},
    "fiberpo": {"method": "fiberpo"},
    "fiberpo_domain": {"method": "fiberpo_domain"},
}

FIBERPO_CANDIDATES = [{"c_pos": c, "c_neg": 2 * c / 3, "eps": e} for c, e in ((0.06, 0.01), (0.12, 0.02), (0.3, 0.05))]
LM_CANDIDATES = {  # calibration sweep: GRPO/GSPO eps, FiberPO (C+, C-, eps) with C- = 2C+/3 < C+
    "grpo": [{"eps_low": 0.1}, {"eps_low": 0.2}, {"eps_low": 0.3}],
    "gspo": [{"eps_low": e, "eps_high": e} for e in (4e-4, 3e-3, 2e-2)],
    "fiberpo": FIBERPO_CANDIDATES,
    "fiberpo_domain": FIBERPO_CANDIDATES,
}

DEFAULT = {
    "bandit": {
        "states": 3,
        "arms": 3,
        "pulls": 12,
        "problems": 12,
        "fractional_problems": 4,
        "gammas": [0.05, 0.5, 0.9, 0.99],
        "deltas": [0.02, 0.1, 0.3, 0.6],
        "first_order": {
            "problems": 10,
            "radii": ["paper, gamma=0.9", "relaxed 0.1"],
            "optimisers": ["adam", "sgd"],
            "lr_per_delta": [0.01, 0.1, 1.0],
            "steps": [20, 200, 2000],
        },
        "sample_sizes": [4, 16, 64, 256],
        "sample_seeds": 10,
        "sample_delta": 0.1,
        "iteration": {"seeds": list(range(8)), "pulls_per_state": 8, "iterations": 15, "inner_steps": 20, "lr": 0.1},
        "equivalence_margin": 0.02,
        "methods": BANDIT_METHODS,
    },
    "lm": {
        "task": {"min_len": 8, "max_len": 56},
        "seeds": [0, 1, 2, 3, 4],
        "workers": 2,
        "pretrain_seed": 0,
        "pretrain": {"steps": 1000, "batch_per_domain": 16, "lr": 3e-3, "eval_per_domain": 32},
        "rl": {  # 12 prompts x 8 completions at temperature 1.5: the setting in which GRPO pilot runs (only GRPO) learned
            "steps": 25,
            "prompts_per_domain": 4,
            "group_size": 8,
            "epochs": 3,
            "minibatches": 2,
            "lr": 3e-4,
            "temperature": 1.5,
            "eval_every": 8,
            "eval_per_domain": 16,
        },
        "calibration": {"steps": 3, "seed": 100, "reference": "grpo/1", "tolerance": 1.5, "candidates": LM_CANDIDATES},
        "variants": LM_VARIANTS,
        "stress": {"rl": {"steps": 15, "lr": 1e-3}, "variants": ["grpo", "fiberpo"]},
        "rgf3": {"eps": 4e-4, "lrs": [1e-4, 3e-4, 1e-3], "seeds": [0, 1, 2], "steps": 10},
        "threshold": 0.5,  # about where the GRPO pilot runs (seeds 0-2) ended; fixed before any other method ran
        "smoothing": 5,
        "collapse": {"entropy_ratio": 0.1, "mean_ratio": 10.0, "reward_drop": 0.15, "reward_fraction": 0.5},
    },
}


def quick() -> dict:
    """Seconds: a tiny bandit and two RL steps per variant on a barely pretrained model with short answers (structure,
    not conclusions)."""
    cfg = copy.deepcopy(DEFAULT)
    cfg["bandit"].update(problems=3, fractional_problems=1, gammas=[0.05, 0.9], deltas=[0.1, 0.6],
                         sample_sizes=[4, 64], sample_seeds=2)
    cfg["bandit"]["first_order"].update(problems=2, lr_per_delta=[0.1], steps=[20, 100])
    cfg["bandit"]["iteration"].update(seeds=[0, 1], iterations=3, inner_steps=3)
    cfg["lm"].update(
        task={"min_len": 2, "max_len": 8},
        seeds=[0, 1],
        workers=1,
        stress={"rl": {"steps": 2, "lr": 3e-3}, "variants": ["grpo", "fiberpo"]},
        rgf3={"eps": 4e-4, "lrs": [1e-4, 1e-3], "seeds": [0], "steps": 2},
    )
    cfg["lm"]["calibration"].update(steps=1)
    cfg["lm"]["pretrain"].update(steps=10, batch_per_domain=8, eval_per_domain=4)
    cfg["lm"]["rl"].update(
        steps=2, prompts_per_domain=1, group_size=4, epochs=1, minibatches=2, eval_every=1, eval_per_domain=4
    )
    cfg["lm"]["threshold"] = 0.4
    return cfg


def full() -> dict:
    """Longer: ten LM seeds, answers up to 256 tokens, a wider model pretrained longer, 80 RL steps with larger
    batches, a wider RGF-3 sweep, more bandit seeds."""
    cfg = copy.deepcopy(DEFAULT)
    cfg["bandit"].update(problems=60, fractional_problems=20, sample_seeds=30)
    cfg["bandit"]["first_order"].update(problems=30, steps=[20, 200, 2000, 10000])
    cfg["bandit"]["iteration"].update(seeds=list(range(30)), iterations=40)
    cfg["lm"].update(task={"min_len": 16, "max_len": 255}, seeds=list(range(10)))
    cfg["lm"]["pretrain"].update(steps=2000, n_embd=96)
    cfg["lm"]["rl"].update(steps=80, prompts_per_domain=8, group_size=8)
    cfg["lm"]["rgf3"].update(lrs=[3e-5, 1e-4, 3e-4, 1e-3, 3e-3], seeds=list(range(5)), steps=20)
    return cfg


PRESETS = {"quick": quick, "default": lambda: copy.deepcopy(DEFAULT), "full": full}


def preset(name: str) -> dict:
    """The config of a named preset."""
    if name not in PRESETS:
        raise ValueError(f"preset: {name!r} is not one of {sorted(PRESETS)}")
    return PRESETS[name]()

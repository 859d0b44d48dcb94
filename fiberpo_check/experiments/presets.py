"""Experiment presets: quick (seconds, used by tests), default (`make experiments`, minutes), full (longer)."""

from __future__ import annotations

import copy

BANDIT_METHODS = {
    "ppo": {"eps_low": 0.2},
    "grpo": {"eps_low": 0.2},
    "gspo": {"eps_low": 3e-4, "eps_high": 4e-4},
    "fiberpo": {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02},
    "apc": {"delta": 0.1},
    "tv_trpo": {"delta": 0.1},
}

EXTRA_LM_VARIANTS = {
    "fiberpo_c6-4_e1": {"method": "fiberpo", "hyper": {"c_pos": 0.06, "c_neg": 0.04, "eps": 0.01}},
    "fiberpo_c20-10_e5": {"method": "fiberpo", "hyper": {"c_pos": 0.20, "c_neg": 0.10, "eps": 0.05}},
}

LM_VARIANTS = {
    "grpo": {"method": "grpo", "hyper": {"eps_low": 0.2}},
    "gspo_eps4e-4": {"method": "gspo", "hyper": {"eps_low": 3e-4, "eps_high": 4e-4}},
    "gspo_eps1e-2": {"method": "gspo", "hyper": {"eps_low": 1e-2, "eps_high": 1e-2}},
    "fiberpo_c12-8_e2": {"method": "fiberpo", "hyper": {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02}},
    "fiberpo_domain": {"method": "fiberpo_domain", "hyper": {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02}},
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
        "seeds": [0, 1, 2],
        "pretrain": {"steps": 150, "batch_per_domain": 32, "lr": 3e-3, "eval_per_domain": 64},
        "rl": {
            "steps": 40,
            "prompts_per_domain": 8,
            "group_size": 8,
            "epochs": 2,
            "minibatches": 4,
            "lr": 3e-4,
            "eval_every": 5,
            "eval_per_domain": 64,
        },
        "variants": LM_VARIANTS,
        "stress": {
            "rl": {"steps": 20, "lr": 1e-3, "epochs": 4},
            "variants": ["grpo", "gspo_eps4e-4", "fiberpo_c12-8_e2"],
        },
        "threshold": 0.28,
        "smoothing": 5,
        "collapse": {"entropy_ratio": 0.1, "mean_ratio": 10.0, "reward_drop": 0.15, "reward_fraction": 0.5},
    },
}


def quick() -> dict:
    """Seconds: a tiny bandit and two RL steps per variant on a barely pretrained model (structure, not conclusions)."""
    cfg = copy.deepcopy(DEFAULT)
    cfg["bandit"].update(problems=3, fractional_problems=1, gammas=[0.05, 0.9], deltas=[0.1, 0.6], sample_sizes=[4, 64], sample_seeds=2)
    cfg["bandit"]["first_order"].update(problems=2, lr_per_delta=[0.1], steps=[20, 100])
    cfg["bandit"]["iteration"].update(seeds=[0, 1], iterations=3, inner_steps=3)
    cfg["lm"].update(seeds=[0], stress={"rl": {"steps": 2, "lr": 1e-3, "epochs": 2}, "variants": ["grpo"]})
    cfg["lm"]["pretrain"].update(steps=10, batch_per_domain=8, eval_per_domain=4)
    cfg["lm"]["rl"].update(
        steps=2, prompts_per_domain=1, group_size=4, epochs=1, minibatches=2, eval_every=1, eval_per_domain=4
    )
    return cfg


def full() -> dict:
    """Longer: five LM seeds, 80 RL steps with larger batches, two more FiberPO budgets, more bandit seeds."""
    cfg = copy.deepcopy(DEFAULT)
    cfg["bandit"].update(problems=60, fractional_problems=20, sample_seeds=30)
    cfg["bandit"]["first_order"].update(problems=30, steps=[20, 200, 2000, 10000])
    cfg["bandit"]["iteration"].update(seeds=list(range(30)), iterations=40)
    cfg["lm"].update(seeds=[0, 1, 2, 3, 4], threshold=0.35, variants={**LM_VARIANTS, **EXTRA_LM_VARIANTS})
    cfg["lm"]["stress"].update(variants=["grpo", "gspo_eps4e-4", "fiberpo_c12-8_e2", "fiberpo_domain"])
    cfg["lm"]["stress"]["rl"].update(steps=60)
    cfg["lm"]["rl"].update(steps=80, prompts_per_domain=16)
    return cfg


PRESETS = {"quick": quick, "default": lambda: copy.deepcopy(DEFAULT), "full": full}


def preset(name: str) -> dict:
    """The config of a named preset."""
    if name not in PRESETS:
        raise ValueError(f"preset: {name!r} is not one of {sorted(PRESETS)}")
    return PRESETS[name]()

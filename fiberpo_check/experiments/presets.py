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
        "states": 8,
        "arms": 4,
        "seeds": [0, 1, 2, 3, 4],
        "exact_pulls": 100,
        "gammas": [0.99, 0.999],
        "deltas": [0.02, 0.1, 0.3],
        "gd_steps": 2000,
        "gd_lr_frac": 0.01,
        "sample_sizes": [4, 8, 16, 32, 64, 128, 256, 1024, 4096],
        "sample_seeds": 20,
        "sample_delta": 0.02,
        "llm_tokens": 64,
        "iteration": {"pulls_per_state": 32, "iterations": 30, "inner_steps": 20, "lr": 0.1},
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
    cfg["bandit"].update(
        states=4,
        arms=3,
        seeds=[0],
        deltas=[0.1, 0.3],
        gammas=[0.99],
        gd_steps=100,
        sample_sizes=[8, 64, 512],
        sample_seeds=2,
        llm_tokens=16,
    )
    cfg["bandit"]["iteration"].update(iterations=3, inner_steps=3, pulls_per_state=8)
    cfg["lm"].update(seeds=[0], stress={"rl": {"steps": 2, "lr": 1e-3, "epochs": 2}, "variants": ["grpo"]})
    cfg["lm"]["pretrain"].update(steps=10, batch_per_domain=8, eval_per_domain=4)
    cfg["lm"]["rl"].update(
        steps=2, prompts_per_domain=1, group_size=4, epochs=1, minibatches=2, eval_every=1, eval_per_domain=4
    )
    return cfg


def full() -> dict:
    """Longer: five LM seeds, 80 RL steps with larger batches, two more FiberPO budgets, more bandit seeds."""
    cfg = copy.deepcopy(DEFAULT)
    cfg["bandit"].update(seeds=list(range(10)), sample_seeds=50, gd_steps=5000)
    cfg["bandit"]["iteration"].update(iterations=60)
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

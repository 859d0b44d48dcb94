"""Tiny-LM RL experiment: pretrain once per seed, then every method variant from the same checkpoint."""

from __future__ import annotations

import torch
from tqdm import tqdm

from ..training.lm_pretrain import PretrainConfig, pretrain
from ..training.lm_rl import RLConfig, train


def run(cfg: dict, device: str = "cpu") -> dict:
    """Per seed: pretraining scores and, per variant, the list of per-step diagnostics."""
    torch.set_num_threads(cfg.get("threads", 1))
    pretrained, histories = {}, {name: {} for name in cfg["variants"]}
    for seed in tqdm(cfg["seeds"], desc="tiny-LM seeds", leave=False):
        model, scores = pretrain(PretrainConfig(**cfg["pretrain"]), seed, device)
        pretrained[str(seed)] = scores
        for name, variant in cfg["variants"].items():
            config = RLConfig(method=variant["method"], hyper=variant["hyper"], **cfg["rl"])
            histories[name][str(seed)] = train(model, config, seed, device)
            last = histories[name][str(seed)][-1]
            tqdm.write(f"  {name:<18} seed {seed}: reward {last['reward/mean']:.3f} entropy {last['entropy']:.3f} tokens {last['tokens']}")
    return {"pretrained": pretrained, "histories": histories}

"""Tiny-LM RL experiment: pretrain once per seed, then every method variant (and the stress runs) from that checkpoint."""

from __future__ import annotations

import torch
from tqdm import tqdm

from ..training.lm_pretrain import PretrainConfig, pretrain
from ..training.lm_rl import RLConfig, train


def runs(cfg: dict) -> dict[str, RLConfig]:
    """Every RL run of a seed by name: the variants, and 'stress/<variant>' with the stress overrides (more off-policy)."""
    found = {name: RLConfig(method=v["method"], hyper=v["hyper"], **cfg["rl"]) for name, v in cfg["variants"].items()}
    stress = cfg.get("stress")
    if stress:
        for name in stress["variants"]:
            v = cfg["variants"][name]
            found[f"stress/{name}"] = RLConfig(method=v["method"], hyper=v["hyper"], **{**cfg["rl"], **stress["rl"]})
    return found


def run(cfg: dict, device: str = "cpu") -> dict:
    """Per seed: pretraining scores and, per run, the list of per-step diagnostics."""
    torch.set_num_threads(cfg.get("threads", 1))
    configs = runs(cfg)
    pretrained, histories = {}, {name: {} for name in configs}
    for seed in tqdm(cfg["seeds"], desc="tiny-LM seeds", leave=False):
        model, scores = pretrain(PretrainConfig(**cfg["pretrain"]), seed, device)
        pretrained[str(seed)] = scores
        for name, config in configs.items():
            histories[name][str(seed)] = train(model, config, seed, device)
            last = histories[name][str(seed)][-1]
            tqdm.write(
                f"  {name:<26} seed {seed}: reward {last['reward/mean']:.3f} entropy {last['entropy']:.3f} tokens {last['tokens']}"
            )
    return {"pretrained": pretrained, "histories": histories}

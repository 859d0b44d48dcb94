"""Tiny-LM RL experiment: models pretrained from several seeds, a learning-rate calibration on tuning seeds that puts
every method at the reference method's per-update drift (same grid and protocol for all), then every method over the
discovery and the held-out replication seeds, and the RGF-3 sweep, in a pool of worker processes."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch
from tqdm import tqdm

from fiberpo_check.envs.tiny_lm.model import GPT, GPTConfig
from fiberpo_check.envs.tiny_lm.tasks import VOCAB, TaskConfig
from fiberpo_check.empirical.training.lm_pretrain import PretrainConfig, pretrain
from fiberpo_check.empirical.training.lm_rl import RLConfig, train

DRIFT_KEY = "drift/tv_tj"  # the matched quantity: trajectory-normalised exact per-state TV of one update (eq 45)


def run_one(job: dict) -> tuple[str, str, list[dict]]:
    """Worker: one RL run from its pretrained weights; returns (run name, seed, per-step history)."""
    torch.set_num_threads(1)
    task = TaskConfig(**job["task"])
    model = GPT(GPTConfig(len(VOCAB), task.block_size, **job["model"]))
    model.load_state_dict(job["weights"])
    config = RLConfig(method=job["method"], hyper=job["hyper"], **job["rl"])
    return job["name"], str(job["seed"]), train(model, config, task, job["seed"], job["device"], progress=False)


def pool_map(function, jobs: list, workers: int):
    """function over jobs, in this process (workers == 1) or in `workers` forked processes, in order."""
    if workers == 1:
        yield from map(function, jobs)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(function, jobs)


def run_jobs(jobs: list[dict], workers: int, desc: str) -> dict[str, dict[str, list[dict]]]:
    """Histories by run name and seed."""
    found: dict[str, dict[str, list[dict]]] = {}
    for name, seed, history in tqdm(pool_map(run_one, jobs, workers), total=len(jobs), desc=desc, leave=False):
        found.setdefault(name, {})[seed] = history
        tqdm.write(f"  {name:<24} seed {seed}: reward {history[-1]['reward/mean']:.3f} "
                   f"entropy {history[-1]['entropy']:.3f} TV/update {mean_drift(history):.4f}")
    return {name: dict(sorted(runs.items(), key=lambda kv: int(kv[0]))) for name, runs in found.items()}


def pretrain_one(job: dict) -> dict:
    """Worker: one pretrained model from a seed: its weights (on CPU) and greedy scores."""
    torch.set_num_threads(1)
    model, scores = pretrain(PretrainConfig(**job["pretrain"]), TaskConfig(**job["task"]), job["seed"], job["device"],
                             progress=False)
    return {"seed": job["seed"], "weights": {k: v.cpu() for k, v in model.state_dict().items()}, "scores": scores}


def mean_drift(history: list[dict]) -> float:
    """Mean per-update drift (DRIFT_KEY) of a run."""
    return float(np.mean([row[DRIFT_KEY] for row in history]))


def factor_name(method: str, factor: float) -> str:
    """The calibration run of `method` at learning rate factor x base."""
    return f"{method}/lr x{factor:.3g}"


def calibration_jobs(cfg: dict, start) -> list[dict]:
    """Every method at every learning-rate factor on every tuning seed (the same grid for all), short runs."""
    cal, rl = cfg["calibration"], cfg["rl"]
    return [
        {**start(seed), "name": factor_name(name, factor), "method": variant["method"], "hyper": variant["hyper"],
         "rl": {**rl, "steps": cal["steps"], "eval_every": 0, "lr": rl["lr"] * factor}, "seed": seed}
        for name, variant in cfg["variants"].items()
        for factor in cal["lr_factors"]
        for seed in cfg["tuning_seeds"]
    ]


def matched_budgets(cfg: dict, histories: dict) -> dict:
    """Per method, the learning-rate factor whose drift (mean over tuning seeds) is closest in log to the reference
    method's at factor 1; whether the method's grid brackets that target; the chosen drift's ratio to it."""
    cal = cfg["calibration"]
    drift = {name: float(np.mean([mean_drift(h) for h in runs.values()])) for name, runs in histories.items()}
    per_seed = {name: [mean_drift(h) for h in runs.values()] for name, runs in histories.items()}
    target = drift[factor_name(cal["reference"], 1)]
    chosen = {}
    for name in cfg["variants"]:
        grid = {factor: drift[factor_name(name, factor)] for factor in cal["lr_factors"]}
        factor = min(grid, key=lambda f: abs(math.log(grid[f] / target)))
        chosen[name] = {"lr": cfg["rl"]["lr"] * factor, "lr_factor": factor, "drift": grid[factor],
                        "ratio": grid[factor] / target, "bracketed": min(grid.values()) <= target <= max(grid.values()),
                        "grid": {f"{f:.3g}": d for f, d in grid.items()}}
    return {"target": target, "tolerance": cal["tolerance"], "seeds": cfg["tuning_seeds"], "chosen": chosen,
            "per_seed": per_seed}


def comparison_jobs(cfg: dict, start, chosen: dict) -> list[dict]:
    """Every variant at its calibrated learning rate over the discovery and the replication seeds."""
    return [
        {**start(seed), "name": name, "method": variant["method"], "hyper": variant["hyper"], "seed": seed,
         "rl": {**cfg["rl"], "lr": chosen[name]["lr"]}}
        for name, variant in cfg["variants"].items()
        for seed in cfg["seeds"] + cfg["replication_seeds"]
    ]


def rgf3_jobs(cfg: dict, start) -> list[dict]:
    """GSPO without the PPO min (App. C.5 / C.6 form) at eps, over a learning-rate sweep, discovery and replication."""
    rgf3 = cfg["rgf3"]
    hyper = {"eps_low": rgf3["eps"], "eps_high": rgf3["eps"], "use_min": False}
    return [
        {**start(seed), "name": f"rgf3/lr{lr:g}", "method": "gspo", "hyper": hyper,
         "rl": {**cfg["rl"], "lr": lr, "steps": rgf3["steps"], "eval_every": 0}, "seed": seed}
        for lr in rgf3["lrs"]
        for seed in rgf3["seeds"] + rgf3["replication_seeds"]
    ]


def run(cfg: dict, device: str = "cpu") -> dict:
    """Pretraining scores per pretraining seed, the calibration, and per run and seed the step histories."""
    torch.set_num_threads(cfg.get("threads", 1))
    workers = 1 if device != "cpu" else cfg.get("workers", 1)
    seeds = cfg["pretrain_seeds"]
    jobs = [{"pretrain": cfg["pretrain"], "task": cfg["task"], "seed": seed, "device": device} for seed in seeds]
    models = {m["seed"]: m for m in tqdm(pool_map(pretrain_one, jobs, workers), total=len(jobs), desc="pretrain")}
    for seed, m in models.items():
        tqdm.write(f"tiny-LM pretrained from seed {seed} ({m['scores']['parameters']} parameters): greedy credit "
                   f"{m['scores']['acc/mean']:.3f}")
    shape = {k: getattr(PretrainConfig(**cfg["pretrain"]), k) for k in ("n_layer", "n_head", "n_embd")}

    def start(seed: int) -> dict:  # RL seed s starts from the model of pretraining seed pretrain_seeds[s % len]
        return {"task": cfg["task"], "model": shape, "device": device,
                "weights": models[seeds[seed % len(seeds)]]["weights"]}

    calibration = matched_budgets(cfg, run_jobs(calibration_jobs(cfg, start), workers, "lr calibration"))
    tqdm.write(f"target drift {calibration['target']:.4f}: " + ", ".join(
        f"{m} lr {c['lr']:.3g} ({c['drift']:.4f}, bracketed {c['bracketed']})" for m, c in calibration["chosen"].items()))
    histories = run_jobs(comparison_jobs(cfg, start, calibration["chosen"]) + rgf3_jobs(cfg, start), workers,
                         "tiny-LM runs")
    rgf3 = {name: histories.pop(name) for name in list(histories) if name.startswith("rgf3/")}
    pretrained = {str(seed): m["scores"] for seed, m in models.items()}
    return {"pretrained": pretrained, "calibration": calibration, "histories": histories, "rgf3": rgf3}

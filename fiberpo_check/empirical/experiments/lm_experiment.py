"""Tiny-LM RL experiment: one pretrained model, a drift-calibration sweep that picks every method's budget at matched
per-update drift, then every method (and the stress and RGF-3 runs) over the seeds, in a pool of worker processes."""

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
    """Worker: one RL run from the pretrained weights; returns (run name, seed, per-step history)."""
    torch.set_num_threads(1)
    task = TaskConfig(**job["task"])
    model = GPT(GPTConfig(len(VOCAB), task.block_size, **job["model"]))
    model.load_state_dict(job["weights"])
    config = RLConfig(method=job["method"], hyper=job["hyper"], **job["rl"])
    return job["name"], str(job["seed"]), train(model, config, task, job["seed"], job["device"], progress=False)


def run_jobs(jobs: list[dict], workers: int, desc: str) -> dict[str, dict[str, list[dict]]]:
    """Histories by run name and seed; runs the jobs in `workers` processes (in this process when workers == 1)."""
    found: dict[str, dict[str, list[dict]]] = {}
    bar = tqdm(total=len(jobs), desc=desc, leave=False)

    def record(name: str, seed: str, history: list[dict]) -> None:
        found.setdefault(name, {})[seed] = history
        bar.update()
        tqdm.write(f"  {name:<24} seed {seed}: reward {history[-1]['reward/mean']:.3f} "
                   f"entropy {history[-1]['entropy']:.3f} TV/update {mean_drift(history):.4f}")

    if workers == 1:
        for job in jobs:
            record(*run_one(job))
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for result in pool.map(run_one, jobs):
                record(*result)
    bar.close()
    return {name: dict(sorted(runs.items(), key=lambda kv: int(kv[0]))) for name, runs in found.items()}


def mean_drift(history: list[dict]) -> float:
    """Mean per-update drift (DRIFT_KEY) of a run."""
    return float(np.mean([row[DRIFT_KEY] for row in history]))


def calibration_jobs(cfg: dict, base: dict) -> list[dict]:
    """One short run per candidate budget of every calibrated method, at the shared optimiser settings."""
    cal = cfg["calibration"]
    rl = {**cfg["rl"], "steps": cal["steps"], "eval_every": 0}
    return [
        {**base, "name": f"{method}/{index}", "method": method, "hyper": hyper, "rl": rl, "seed": cal["seed"]}
        for method, candidates in cal["candidates"].items()
        for index, hyper in enumerate(candidates)
    ]


def matched_budgets(cfg: dict, histories: dict) -> dict:
    """Per method, the candidate whose measured drift is closest (in log) to the reference candidate's drift."""
    cal = cfg["calibration"]
    drift = {name: float(np.mean([mean_drift(h) for h in runs.values()])) for name, runs in histories.items()}
    target = drift[cal["reference"]]
    chosen = {}
    for method, candidates in cal["candidates"].items():
        index = min(range(len(candidates)), key=lambda i: abs(math.log(drift[f"{method}/{i}"] / target)))
        chosen[method] = {"hyper": candidates[index], "drift": drift[f"{method}/{index}"]}
    spread = max(c["drift"] for c in chosen.values()) / min(c["drift"] for c in chosen.values())
    return {"target": target, "drift": drift, "chosen": chosen, "spread": spread,
            "matched": spread <= cal["tolerance"], "tolerance": cal["tolerance"]}


def comparison_jobs(cfg: dict, base: dict, chosen: dict) -> list[dict]:
    """Every variant (and stress variant) at its matched budget, over the seeds, with the shared optimiser settings."""
    jobs = []
    stress = cfg.get("stress") or {"variants": []}
    for name, variant in cfg["variants"].items():
        hyper = chosen[variant["method"]]["hyper"]
        for seed in cfg["seeds"]:
            run = {**base, "method": variant["method"], "hyper": hyper, "seed": seed}
            jobs.append({**run, "name": name, "rl": cfg["rl"]})
            if name in stress["variants"]:
                jobs.append({**run, "name": f"stress/{name}", "rl": {**cfg["rl"], **stress["rl"]}})
    return jobs


def rgf3_jobs(cfg: dict, base: dict) -> list[dict]:
    """GSPO without the PPO min (App. C.5 / C.6 form) at eps, over a learning-rate sweep."""
    rgf3 = cfg["rgf3"]
    hyper = {"eps_low": rgf3["eps"], "eps_high": rgf3["eps"], "use_min": False}
    return [
        {**base, "name": f"rgf3/lr{lr:g}", "method": "gspo", "hyper": hyper,
         "rl": {**cfg["rl"], "lr": lr, "steps": rgf3["steps"], "eval_every": 0}, "seed": seed}
        for lr in rgf3["lrs"]
        for seed in rgf3["seeds"]
    ]


def run(cfg: dict, device: str = "cpu") -> dict:
    """Pretraining scores, the calibration (drifts and matched budgets), and per run and seed the step histories."""
    torch.set_num_threads(cfg.get("threads", 1))
    task = TaskConfig(**cfg["task"])
    pretrain_config = PretrainConfig(**cfg["pretrain"])
    model, scores = pretrain(pretrain_config, task, cfg["pretrain_seed"], device)
    tqdm.write(f"tiny-LM pretrained ({scores['parameters']} parameters): greedy credit {scores['acc/mean']:.3f}")
    base = {
        "task": cfg["task"],
        "model": {k: getattr(pretrain_config, k) for k in ("n_layer", "n_head", "n_embd")},
        "weights": {k: v.cpu() for k, v in model.state_dict().items()},
        "device": device,
    }
    workers = 1 if device != "cpu" else cfg.get("workers", 1)
    calibration = run_jobs(calibration_jobs(cfg, base), workers, "drift calibration")
    matched = matched_budgets(cfg, calibration)
    tqdm.write(f"matched drift {matched['target']:.4f}: "
               + ", ".join(f"{m} {c['hyper']} ({c['drift']:.4f})" for m, c in matched["chosen"].items()))
    histories = run_jobs(comparison_jobs(cfg, base, matched["chosen"]) + rgf3_jobs(cfg, base), workers, "tiny-LM runs")
    rgf3 = {name: histories.pop(name) for name in list(histories) if name.startswith("rgf3/")}
    return {"pretrained": scores, "calibration": matched, "histories": histories, "rgf3": rgf3}

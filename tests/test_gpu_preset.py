"""The GPU preset: a model of at least 10M parameters, answers of several hundred tokens, every method under the same
protocol; its smallest configuration pretrains and takes one RL step on CPU."""

import pytest
import torch

from fiberpo_check.envs.tiny_lm.model import GPT, GPTConfig
from fiberpo_check.envs.tiny_lm.tasks import VOCAB, TaskConfig
from fiberpo_check.empirical.experiments.presets import DEFAULT, preset, smallest
from fiberpo_check.empirical.training.lm_pretrain import PretrainConfig, pretrain
from fiberpo_check.empirical.training.lm_rl import RLConfig, train


def gpu_model(cfg: dict) -> GPT:
    task = TaskConfig(**cfg["task"])
    shape = {k: cfg["pretrain"][k] for k in ("n_layer", "n_head", "n_embd")}
    return GPT(GPTConfig(len(VOCAB), task.block_size, **shape))


def test_gpu_preset_scale_and_protocol():
    lm = preset("gpu")["lm"]
    assert gpu_model(lm).num_parameters() >= 10_000_000
    task = TaskConfig(**lm["task"])
    assert (task.min_len + task.max_len) / 2 >= 300 and task.max_answer > 500  # several hundred tokens
    assert len(lm["seeds"]) >= 3 and len(lm["replication_seeds"]) >= 3 and len(lm["pretrain_seeds"]) >= 3
    assert set(lm["variants"]) == set(DEFAULT["lm"]["variants"])  # all methods, one calibration protocol
    assert not set(lm["tuning_seeds"]) & set(lm["seeds"] + lm["replication_seeds"])
    assert "n_embd" not in DEFAULT["lm"]["pretrain"]  # the default never depends on the GPU preset


@pytest.mark.slow
def test_gpu_preset_smallest_configuration_runs_one_step_on_cpu():
    torch.set_num_threads(2)
    lm = smallest(preset("gpu"))["lm"]
    task = TaskConfig(**lm["task"])
    model, scores = pretrain(PretrainConfig(**lm["pretrain"]), task, seed=0, progress=False)
    assert scores["parameters"] >= 10_000_000
    variant = lm["variants"]["fiberpo"]
    rl = {**lm["rl"], "eval_every": 0}  # the greedy evaluation is the pretraining's (above)
    history = train(model, RLConfig(variant["method"], variant["hyper"], **rl), task, seed=10, progress=False)
    assert len(history) == 1 and history[0]["tokens"] > 0 and history[0]["drift/tv_tj"] >= 0

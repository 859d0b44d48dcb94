"""FiberPOGRPOTrainer: two real GRPOTrainer steps on CPU with a tiny random model and a locally built tokenizer.

The second step reuses the first step's generations after an update (num_iterations=2), so log r != 0 there.
"""

import pytest
import torch

pytest.importorskip("trl", reason="TRL is not installed (optional extra 'trl': pip install -e '.[trl]')")

from datasets import Dataset  # noqa: E402
from tokenizers import Tokenizer, models, pre_tokenizers  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # noqa: E402

from fiberpo_check.engine.aggregation import Normalizers, aggregate  # noqa: E402
from fiberpo_check.engine.batch import Hierarchy  # noqa: E402
from fiberpo_check.engine.objectives.fiberpo import fiberpo_parts  # noqa: E402
from fiberpo_check.engine.objectives.fiberpo_domain import fiberpo_domain_parts  # noqa: E402
from fiberpo_check.integrations.trl import FiberPOConfig, FiberPOGRPOTrainer  # noqa: E402

WORDS = ["[PAD]", "[EOS]", "[UNK]"] + [f"w{i}" for i in range(29)]


def tiny_model_and_tokenizer():
    """A one-layer Llama from a config and a whitespace word-level tokenizer: nothing downloaded."""
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="[PAD]", eos_token="[EOS]", unk_token="[UNK]")
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(WORDS), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=64, pad_token_id=0, eos_token_id=1, bos_token_id=None,
    )
    return LlamaForCausalLM(config), tokenizer


def toy_reward(completions, **kwargs):
    """Reward by completion length modulo 5, so groups get different advantages."""
    return [float(len(c) % 5) for c in completions]


def reference_loss(call, domain):
    """-aggregate(G A) with G from the reference parts on the batch the trainer passed to the loss."""
    (old, log_prob, advantages, mask, mode, config), _ = call
    mask = mask.bool()
    log_ratio = torch.where(mask, log_prob - old, 0)
    gate = dict(c_pos=config["fiberpo_c_pos"], c_neg=config["fiberpo_c_neg"], eps=config["fiberpo_eps"])
    if domain:
        groups, domains = config["fiberpo_group_ids"], config["fiberpo_domain_ids"]
        parts = fiberpo_domain_parts(log_ratio, mask, groups, domains, **gate)
    else:
        parts = fiberpo_parts(log_ratio, mask, **gate)
    info = config["global_batch_info"]
    return -aggregate(torch.exp(parts.log_gate) * advantages[:, None], mask, mode, Normalizers(**info))


@pytest.mark.parametrize("domain, loss_type", [(False, "grpo"), (True, "dapo")], ids=["fiberpo-grpo", "domain-dapo"])
def test_two_real_grpo_steps_compute_the_reference_loss_and_log_gate_metrics(tmp_path, domain, loss_type):
    model, tokenizer = tiny_model_and_tokenizer()
    data = Dataset.from_dict({"prompt": [f"w{i} w{i + 1} w{i + 2}" for i in range(8)], "domain": ["a", "b"] * 4})
    args = FiberPOConfig(
        output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=2, max_completion_length=6,
        max_steps=2, num_iterations=2, learning_rate=5e-2, logging_steps=1, report_to="none", use_cpu=True,
        save_strategy="no", seed=0, disable_tqdm=True, loss_type=loss_type, fiberpo_domain=domain,
        fiberpo_domain_column="domain" if domain else None, fiberpo_c_pos=0.1, fiberpo_eps=0.03,
    )
    calls = []

    class Recording(FiberPOGRPOTrainer):
        def fiberpo_loss(self, *inputs):
            output = super().fiberpo_loss(*inputs)
            calls.append((tuple(x.detach() if isinstance(x, torch.Tensor) else x for x in inputs), output))
            return output

    trainer = Recording(model=model, reward_funcs=toy_reward, args=args, train_dataset=data, processing_class=tokenizer)
    trainer.train()
    assert len(calls) == 2
    for call in calls:
        assert abs(float(call[1][0]) - float(reference_loss(call, domain))) < 1e-6
    (old, log_prob, *_), _ = calls[1]
    assert float((log_prob - old).abs().max()) > 1e-3  # the second step is off-policy
    if domain:
        config = calls[1][0][5]
        Hierarchy.from_ids(config["fiberpo_group_ids"], config["fiberpo_domain_ids"], old.shape[0])
        assert set(trainer._domain_codes) <= {"a", "b"} and set(config["fiberpo_domain_ids"].tolist()) <= {0, 1}
    logged = [row for row in trainer.state.log_history if "fiberpo/fiber_clip_frac" in row]
    assert len(logged) == 2 and logged[1]["fiberpo/mean_ratio"] != 1.0
    assert "fiberpo/trajectory_pos_zeroed_frac" in logged[0]
    assert domain == ("fiberpo/domain_pos_zeroed_frac" in logged[0])


def test_options_that_change_the_objective_are_refused(tmp_path):
    model, tokenizer = tiny_model_and_tokenizer()
    data = Dataset.from_dict({"prompt": ["w1 w2"] * 4})
    args = FiberPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=2, report_to="none",
                         use_cpu=True, loss_type="cispo")
    with pytest.raises(ValueError, match="loss_type='cispo'"):
        FiberPOGRPOTrainer(model=model, reward_funcs=toy_reward, args=args, train_dataset=data, processing_class=tokenizer)

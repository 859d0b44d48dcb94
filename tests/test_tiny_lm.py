"""Tiny GPT and its KV cache, long-answer tasks with verifiable rewards, pretraining, the RL loop's diagnostics."""

import pytest
import torch

from fiberpo_check.envs.tiny_lm.model import GPT, GPTConfig, KVCache
from fiberpo_check.envs.tiny_lm.tasks import (
    DOMAINS,
    VOCAB,
    TaskConfig,
    addition_scratchpad,
    decode,
    encode,
    exact_matches,
    make_problem,
    response_mask,
    rewards,
    sample_problems,
)
from fiberpo_check.empirical.bench import same_history
from fiberpo_check.empirical.training.lm_pretrain import PretrainConfig, pretrain
from fiberpo_check.empirical.training.lm_rl import RLConfig, group_advantages, train
from fiberpo_check.empirical.training.lm_rollout import generate, response_logits, token_log_probs

torch.set_num_threads(1)
TASK = TaskConfig(min_len=3, max_len=12)


def test_model_is_tiny_and_causal():
    model = GPT(GPTConfig(len(VOCAB), TASK.block_size))
    assert model.num_parameters() < 1_000_000
    idx = torch.randint(0, len(VOCAB), (2, 8))
    changed = idx.clone()
    changed[:, -1] = (changed[:, -1] + 1) % len(VOCAB)
    assert torch.equal(model(idx)[:, :-1], model(changed)[:, :-1])  # future tokens never leak backwards


def test_kv_cache_gives_the_full_forward_logits():
    torch.manual_seed(0)
    model = GPT(GPTConfig(len(VOCAB), 16)).double()
    idx = torch.randint(0, len(VOCAB), (3, 12))
    cache = KVCache()
    pieces = [model(idx[:, :5], cache), model(idx[:, 5:9], cache)]  # a prompt, then a block, then single tokens
    pieces += [model(idx[:, t : t + 1], cache) for t in range(9, 12)]
    assert cache.length == 12
    assert torch.allclose(torch.cat(pieces, dim=1), model(idx), atol=1e-12)


@pytest.mark.parametrize("greedy", [True, False])
def test_cached_and_recomputed_generation_give_the_same_tokens(greedy):
    torch.manual_seed(0)
    model = GPT(GPTConfig(len(VOCAB), TASK.block_size))
    prompts = sample_problems(4, TASK, torch.Generator().manual_seed(1)).prompts
    runs = [
        generate(model, prompts, None if greedy else torch.Generator().manual_seed(7), TASK.max_answer, use_cache=c)
        for c in (True, False)
    ]
    assert runs[0][0].shape[1] <= TASK.max_answer and torch.equal(runs[0][0], runs[1][0])
    assert torch.allclose(runs[0][1], runs[1][1], atol=1e-5)


@pytest.mark.parametrize("temperature", [1.0, 1.5])
def test_generation_logits_are_the_teacher_forced_rollout_policy(temperature):
    """The cached generation's logits (/ temperature) give the rollout log-probs: equal to a teacher-forced pass to
    float32 rounding, so a first minibatch (before any update) has every IS ratio 1."""
    torch.manual_seed(0)
    model = GPT(GPTConfig(len(VOCAB), TASK.block_size))
    prompts = sample_problems(4, TASK, torch.Generator().manual_seed(1)).prompts
    responses, logits = generate(model, prompts, torch.Generator().manual_seed(7), TASK.max_answer, temperature)
    assert logits.shape == (*responses.shape, len(VOCAB)) and logits.dtype == torch.float32
    forced = response_logits(model, prompts, responses, temperature)
    assert torch.allclose(logits, forced, atol=1e-5, rtol=0)
    assert not torch.allclose(logits, response_logits(model, prompts, responses, 2 * temperature), atol=1e-3)
    mask, rows = response_mask(responses), torch.tensor([0, 3, 5, 6])
    width = int(mask[rows].sum(dim=1).max())  # the loop's minibatch cut after the longest response
    taken = responses[rows, :width]
    ratio = (token_log_probs(response_logits(model, prompts[rows], taken, temperature), taken)
             - token_log_probs(logits, responses)[rows, :width]).exp()
    assert torch.allclose(ratio[mask[rows, :width]], torch.ones(()), atol=1e-5, rtol=0)


def test_answers_are_long_and_vary_several_fold():
    task = TaskConfig()  # the default preset's lengths
    gen = torch.Generator().manual_seed(0)
    lengths = [len(make_problem(domain, task, gen)[1]) for domain in DOMAINS for _ in range(200)]
    assert sum(lengths) / len(lengths) >= 32 and max(lengths) >= 5 * min(lengths)
    assert max(lengths) <= task.max_answer
    with pytest.raises(ValueError, match="min_len"):
        TaskConfig(min_len=5, max_len=4)


@pytest.mark.parametrize("domain", DOMAINS)
def test_problems_have_verifiable_answers(domain):
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        prompt, answer = make_problem(domain, TASK, gen)
        assert len(prompt) <= TASK.prompt_len and len(answer) <= TASK.max_answer and answer.endswith(".")
        body = answer[:-1]
        if domain == "add":
            a, b = prompt[:-1].split("+")
            assert body.split("=")[1] == str(int(a) + int(b)) and len(body.split("=")[0]) == 4 * len(a)
        else:
            start, n = prompt[1 : 2 if domain == "count" else 3], int(prompt[2 if domain == "count" else 3 : -1])
            assert len(body) == n and body.startswith(start[:n])
            step = 1 if domain == "count" else 2
            previous = [int(body[i - step]) for i in range(step, n)]
            expected = [(p + 1) % 10 for p in previous] if domain == "count" else previous
            assert [int(d) for d in body[step:]] == expected


def test_addition_scratchpad_carries():
    assert addition_scratchpad("47", "85") == "75024813=132."


def test_rewards_and_mask():
    responses = torch.tensor([encode("321._"), encode("32.1."), encode("12345")])
    assert rewards(responses, ["321.", "321.", "1234."]).tolist() == pytest.approx([1.0, 2 / 4, 4 / 5])
    assert exact_matches(responses, ["321.", "321.", "1234."]).tolist() == [1.0, 0.0, 0.0]
    assert response_mask(responses).sum(dim=1).tolist() == [4, 3, 5]
    assert decode(encode("C12=")) == "C12="


def test_group_advantages_are_centred_per_group():
    reward = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    adv = group_advantages(reward, 4)
    assert torch.allclose(adv.view(2, 4).sum(dim=1), torch.zeros(2), atol=1e-6)
    assert torch.all(adv[4:] == 0)


@pytest.fixture(scope="module")
def pretrained():
    return pretrain(PretrainConfig(steps=5, batch_per_domain=4, eval_per_domain=2), TASK, seed=0, progress=False)


def rl_config(method: str, hyper: dict, **changes) -> RLConfig:
    settings = dict(steps=2, prompts_per_domain=1, group_size=4, epochs=1, minibatches=2, eval_every=1,
                    eval_per_domain=2)
    return RLConfig(method, hyper, **{**settings, **changes})


@pytest.mark.parametrize(
    "method, hyper",
    [
        ("grpo", {"eps_low": 0.2}),
        ("gspo", {"eps_low": 3e-4, "eps_high": 4e-4}),
        ("gspo", {"eps_low": 4e-4, "eps_high": 4e-4, "use_min": False}),
        ("fiberpo", {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02}),
        ("fiberpo_domain", {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02}),
    ],
)
def test_rl_loop_logs_named_diagnostics(pretrained, method, hyper):
    model, scores = pretrained
    assert set(scores) >= {f"acc/{d}" for d in DOMAINS} | {"acc/exact"}
    history = train(model, rl_config(method, hyper), TASK, seed=1, progress=False)
    keys = {"tokens", "reward/mean", "entropy", "grad_norm", "ratio/mean", "response_length", "drift/tv_mean",
            "drift/tv_tj", "drift/kl_tj", "clip/frac", "acc/mean", "grad_clip_rate"}
    assert keys | {f"reward/{d}" for d in DOMAINS} <= set(history[-1])
    assert history[1]["tokens"] > history[0]["tokens"] > 0
    if method.startswith("fiberpo"):  # every base gate: the three regimes' fractions of trajectories sum to 1
        for channel in ("pos", "neg"):
            fractions = [history[-1][f"regime/trajectory_{channel}_{r}"] for r in ("pass", "rollback", "zeroed")]
            assert sum(fractions) == pytest.approx(1.0)


def test_rl_is_deterministic_and_the_prior_loops_give_the_same_run(pretrained):
    model, _ = pretrained
    config = rl_config("fiberpo", {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02}, epochs=2, steps=3)
    first = train(model, config, TASK, seed=3, progress=False)
    assert first == train(model, config, TASK, seed=3, progress=False)
    for loop in ("prior", "uncached"):
        previous = train(model, rl_config("fiberpo", config.hyper, epochs=2, steps=3, loop=loop), TASK, seed=3,
                         progress=False)
        assert same_history(first, previous)  # float32 rounding apart, the same run
    with pytest.raises(ValueError, match="loop"):
        rl_config("fiberpo", config.hyper, loop="fast")
    assert first[-1]["drift/tv_tj"] > 1e-4  # the updates moved the policy, so agreeing histories say something
    changed = train(model, rl_config("fiberpo", config.hyper, epochs=2, steps=3, lr=3e-3), TASK, seed=3, progress=False)
    assert not same_history(first, changed)  # the comparison does see a different run

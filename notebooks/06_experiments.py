# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Experiments: bandit equivalence and tiny-LM RL (APC-6, EMP-3, EMP-4, RGF-3)
#
# **Claims.** APC-Obj and sample-based TV-TRPO give the same update (Thm D.10) — exactly when the sample
# identities (65)–(66) hold, and, the toolkit asks, how nearly when they do not (APC-6, EMP-3). GSPO's clip keeps
# the trajectory TV below $\sqrt{\epsilon/2}$ (RGF-3, Claim 3.5). And the JoyAI report's pattern: GRPO
# collapses, GSPO stagnates, FiberPO stays stable and is more token-efficient (EMP-4, in miniature).
#
# This notebook runs the **quick** preset live (seconds; it checks the plumbing, its numbers are not evidence)
# and, when `make experiments` has already run, shows the **default** preset's cached results, computed by the
# same code. Nothing here is typed in.

# %%
from fiberpo_check import use_project_root

use_project_root()  # read and write the project's outputs wherever the kernel starts (or $FIBERPO_CHECK_ROOT)

import os

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from fiberpo_check.empirical.experiments.cache import result_path
from fiberpo_check.empirical.experiments.experiment_verdicts import compute
from fiberpo_check.empirical.experiments.presets import preset
from fiberpo_check.empirical.experiments.runner import ANALYSIS_KEYS, raw_results
from fiberpo_check.empirical.experiments.summaries import bandit_summary, lm_report
from fiberpo_check.plots.style import paper_style
from fiberpo_check.presentation import ledger
from fiberpo_check.presentation.notebooks import verdict_markdown, verdict_table

QUICK = os.environ.get("FIBERPO_QUICK") == "1"


def is_cached(name, cfg):
    """True when the preset's raw results are already under results/experiments/ (no run needed)."""
    key = cfg if name == "bandit" else {k: v for k, v in cfg.items() if k not in ANALYSIS_KEYS}
    return result_path(name, key).exists()


def summarise(preset_name):
    """Summaries and verdicts of a preset (runs it when it is not cached)."""
    cfg = preset(preset_name)
    bandit = bandit_summary(raw_results("bandit", cfg["bandit"]))
    lm = lm_report(raw_results("lm", cfg["lm"]), cfg["lm"])
    return bandit, lm, compute(bandit, lm)


# %% [markdown]
# ## The quick preset, live

# %%
bandit, lm, verdicts = summarise("quick")
display(Markdown(verdict_markdown("APC-6", "RGF-3", "EMP-", rows=ledger.rows(verdicts))))

# %% [markdown]
# ## The default preset (from `make experiments`)

# %%
default = preset("default")
have_default = is_cached("bandit", default["bandit"]) and is_cached("tiny_lm", default["lm"])
if have_default and not QUICK:
    bandit, lm, verdicts = summarise("default")
    display(Markdown(verdict_markdown("APC-6", "RGF-3", "EMP-", rows=ledger.rows(verdicts))))
else:
    print("default results not cached yet: run `make experiments` (about 3-6 minutes on 2 cores) and re-run")

# %% [markdown]
# ## Sampled bandit: how far APC-Obj's exact maximiser is from Thm D.3's update as the sample grows
# With (66) exact and (65) only approximate, the two updates differ; the gap shrinks with pulls per state.

# %%
sampled = bandit.sampled
sizes = sorted(sampled, key=int)
mean = np.array([sampled[n].dist_closed_form.mean for n in sizes])
low = np.array([sampled[n].dist_closed_form.low for n in sizes])
high = np.array([sampled[n].dist_closed_form.high for n in sizes])
for n, m, lo, hi in zip(sizes, mean, low, high):
    print(f"{int(n):5d} pulls/state: distance {m:.3f} [{lo:.3f}, {hi:.3f}]")
with paper_style():
    fig, ax = plt.subplots(figsize=(3.4, 2.4))
    xs = [int(n) for n in sizes]
    ax.semilogx(xs, mean, "o-")
    ax.fill_between(xs, np.maximum(low, 0), high, alpha=0.3)
    ax.set_xlabel("pulls per state")
    ax.set_ylabel("relative distance to Thm D.3")
    plt.show()

# %% [markdown]
# The figures of these runs are drawn by `make figures` from the default preset: the learning curves in
# [figures/exp_lm_learning_curves.pdf](../figures/exp_lm_learning_curves.pdf), the tokens-to-threshold intervals in
# [figures/exp_lm_tokens_to_threshold.pdf](../figures/exp_lm_tokens_to_threshold.pdf), the bandit agreement in
# [figures/exp_bandit_distances.pdf](../figures/exp_bandit_distances.pdf).

# % [markdown]
# ## Verdicts
# Every producer's verdict for these claims (the ledger's rows: derivations, numeric checks, experiments).

# %
verdict_table('APC-6', 'RGF-3', 'EMP-')

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
# # APC-Obj: the clipping reformulation of sample-based TV-TRPO (§3.2, App. C–D)
#
# **Claims.** APC-Obj (eq 3) clips each token's $r - 1$ with the coupled bound
# $B = T_s\delta - \sum_{\text{other entries at } s}|r - 1|$; its three regimes are pass-through (P), rollback
# (R) and zeroed (Z) (APC-5); the budget identity of the equivalence proof holds (APC-2); the correction term
# vanishes under advantage centering (APC-3); clipping retracts any violation back inside the region (APC-4);
# and with the right $\delta$, APC-Obj and TV-TRPO give the same update (APC-6, Thm D.10). The paper states
# $\delta^{(APC\text{-}Obj)}$ twice (APC-1).

# %%
from fiberpo_check import use_project_root

use_project_root()  # read and write the project's outputs wherever the kernel starts (or $FIBERPO_CHECK_ROOT)

import os

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

from fiberpo_check import paths
from fiberpo_check.engine.objectives.apc import apc_gate, apc_regime, delta_appendix, delta_main_text
from fiberpo_check.plots.style import paper_style
from fiberpo_check.presentation.notebooks import verdict_table

QUICK = os.environ.get("FIBERPO_QUICK") == "1"

# %% [markdown]
# ## The symbolic derivations (APC-1 … APC-5)

# %%
display(Markdown((paths.DERIVATIONS_OUT / "apc.md").read_text()))  # written by `make derivations`

# %% [markdown]
# ## The three regimes on one state
# One state sampled four times; three tokens keep a fixed deviation and the fourth moves. As the state's TV
# $\hat D_{TV}(s) = \frac1{T_s}\sum|r-1|$ crosses $\delta$ the moving token is clipped (P then R), and a
# fixed token (deviation 0.02) goes from (P) to (R) to (Z) once the others alone use up the budget.

# %%
delta = 0.05
fixed = torch.tensor([0.02, -0.03, 0.04], dtype=torch.float64)
moving = torch.linspace(-0.4, 0.4, 401, dtype=torch.float64)
mask = torch.ones(1, 4, dtype=torch.bool)
state_ids = torch.zeros(1, 4, dtype=torch.long)
gated, regime, fixed_regime = [], [], []
for m in moving:
    log_ratio = torch.log1p(torch.cat([fixed, m.view(1)]))[None]
    gated.append(float(apc_gate(log_ratio, mask, state_ids=state_ids, delta=delta)[0, 3] - 1))
    regimes = apc_regime(log_ratio, mask, state_ids=state_ids, delta=delta)[0]
    regime.append(int(regimes[3]))
    fixed_regime.append(int(regimes[0]))
with paper_style():
    fig, ax = plt.subplots(figsize=(3.4, 2.4))
    ax.plot(moving, moving, "k:", lw=0.8, label="r - 1")
    ax.scatter(moving, gated, c=regime, s=3, cmap="viridis", label="clip(r - 1, B)")
    ax.set_xlabel("deviation r - 1 of the moving token")
    ax.legend()
    plt.show()
print("moving token's regimes (0 = P, 1 = R, 2 = Z):", sorted(set(regime)))
print("fixed token's regimes:", sorted(set(fixed_regime)))
assert sorted(set(fixed_regime)) == [0, 1, 2]

# %% [markdown]
# ## The two δ formulas (APC-1)
# Main text (p. 5, Def C.1): $(1-\gamma)^2 M/(8\gamma\|\hat A\|_\infty T)$; App. D.4 eq 72:
# $(1-\gamma)M/(8\gamma\|\hat A\|_\infty)$. Their ratio is $(1-\gamma)/T$; only eq 72 equals the TV-TRPO step
# $t^*$ that Thm D.10 needs. Both vanish at $\gamma = 1$.

# %%
for gamma in (0.5, 0.9, 0.99):
    main, appendix = delta_main_text(1.0, 1.0, gamma, 4), delta_appendix(1.0, 1.0, gamma)
    print(f"gamma = {gamma}: main text {main:.3e}, eq 72 {appendix:.3e}, ratio {main / appendix:.4f}")

# %% [markdown]
# The bandit experiments (`make experiments`, notebook 06) run the equivalence of Thm D.10 in practice:
# exact-expectation bandits at both δ values, sampled bandits, and the LLM regime where every state is
# seen once.

# % [markdown]
# ## Verdicts
# Every producer's verdict for these claims (the ledger's rows: derivations, numeric checks, experiments).

# %
verdict_table('APC-')

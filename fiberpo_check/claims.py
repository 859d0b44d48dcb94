"""The claims of the paper to be checked (SPEC §2): id, claim, source in the paper, kind of check."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """One row of the claims ledger."""

    id: str
    text: str
    source: str
    kind: str


CLAIMS: tuple[Claim, ...] = (
    Claim('TRPO-1', 'surrogate-gap penalty and radius (1−γ)/(8γ) → 0 as γ → 1; KL region too', 'eq 1, Lemma B.2, Thm 2.1', 'symbolic'),
    Claim('TRPO-2', 'TV-TRPO maximizer Δ* = t*Δ̂*, t* = (1−γ)M/(8γ‖Â‖∞), per-state TV equalised', 'Thm D.3', 'symbolic + numeric'),
    Claim('TRPO-3', 'M ≤ ‖Â‖∞; δ_APC ≤ δ_TRPO; updates inside the TRPO region', 'Lemmas D.2, D.11, D.12', 'symbolic'),
    Claim('TRPO-4', 'the TV estimator (eq 39) against the TV definition (eqs 34, 37) and its use in eqs 55/67', 'App. A.3, B.1, D.2', 'symbolic'),
    Claim('APC-1', 'δ^(APC-Obj): main text vs App. D.4 eq 72 — are they the same quantity?', 'Def 3.2 (p. 4–5), Def C.1, Def D.4 eq 72', 'symbolic'),
    Claim('APC-2', "clip-bound identity T_sδ − Σ(n−δ_aa')|Δ| = T_s(δ − D̂_TV) + |Δ_a|", 'proof of D.10', 'symbolic'),
    Claim('APC-3', 'correction term C(Δ)_s vanishes under advantage centering', 'Lemma D.6', 'symbolic'),
    Claim('APC-4', 'retraction property', 'Lemma D.9', 'symbolic + exhaustive/property'),
    Claim('APC-5', 'three clipping regimes (P), (R), (Z) characterisation', 'App. C.2, eqs 61–63', 'symbolic'),
    Claim('APC-6', 'APC-Obj and sample-based TV-TRPO give the same update; also what happens when (65)/(66) hold only approximately (sampled bandits) and in the LLM regime (T_s = 1)', 'Thm D.10', 'numeric + empirical'),
    Claim('RGF-1', 'PPO / GRPO / GSPO RGF forms equal the standard losses', 'App. C.4', 'numeric'),
    Claim('RGF-2', 'relaxation chains APC → PPO, GRPO, GSPO, step by step', 'App. C.5', 'symbolic'),
    Claim('RGF-3', 'GSPO keeps trajectory TV ≲ √(ε/2); ε = 4e-4 ⇒ δ ≈ 0.014', 'Claim 3.5, Remark 3.6', 'symbolic + empirical'),
    Claim('FBG-1', 'reflecting condition and zero residual pushforward', 'Def 4.3', 'symbolic'),
    Claim('FBG-2', 'first-order agreement of any FBG with identity gates', 'Thm 4.5', 'symbolic + numeric'),
    Claim('DER-1', 'log approximation, sequence aggregation and clipping decomposition steps: eq 77 equals the decomposed clip; the decomposed clip is "stricter (absolute value strictly less)" than the channel-split clip; eq 77 → eq 79 for large T', 'App. E.5.2–E.5.4', 'symbolic + numeric'),
    Claim('DER-2', 'eq 79 equals the FBG form with the F, K, R and gates stated in App. E.5.4', 'App. E.5.4', 'symbolic + numeric'),
    Claim('FPO-1', 'eq 7 and eq 16 forms of the gated residual agree; unsaturated ⇒ log r̃ = ℓ − mean ℓ; G-I ⇒ G = r', 'eqs 7, 11, 14–16', 'symbolic'),
    Claim('FPO-2', 'Jacobian closed form, in every regime', 'Prop 5.2, eq 20', 'symbolic + numeric'),
    Claim('FPO-3', 'block-diagonal over trajectories', 'Prop 5.3', 'numeric at scale'),
    Claim('FPO-4', 'identity at on-policy; also: on how large a neighbourhood is G exactly the identity', 'Prop 5.4', 'symbolic + numeric'),
    Claim('FPO-5', 'scale separation O(1) vs O(1/T)', 'Prop 5.5', 'symbolic + numeric'),
    Claim('FPO-6', 'g_agg: continuity, regimes, rollback width C/T, hard-clip limit T → ∞, restorative gradient sign', '§5.1', 'symbolic'),
    Claim('FPO-7', 'five global regimes of w; non-monotone |log w|; G-III ⇒ w = 1', '§5.1, Fig 2b', 'numeric'),
    Claim('FPO-8', 'logclip asymmetry e^{±ε} ≈ 1 ± ε + ε²/2', '§5.2', 'symbolic'),
    Claim('FPO-9', 'log s⁻ − log s⁺ is a reverse-KL estimate, ≥ 0 in expectation', 'App. E.5.4', 'symbolic + numeric'),
    Claim('FPO-10', 'under large trajectory drift PPO/GRPO clip more than half the tokens while FiberPO keeps tokens near the same-sign mean', '§5.2, Fig 4', 'numeric'),
    Claim('FGH-1', 'compact form (eqs 27–28) equals expanded form (eq 26); n = 1 is FBG', 'Def 6.2, Remark 6.3', 'symbolic + numeric'),
    Claim('FGH-2', 'FiberPO-Domain closed form equals the FGH n = 3 instance built from App. E.7 objects', 'eqs 30–33, App. E.7', 'numeric'),
    Claim('FGH-3', 'first-order agreement and identity at on-policy for the hierarchy', '§6.2', 'symbolic + numeric'),
    Claim('FGH-4', '"independent budgets": a level\'s gate input never depends on another level\'s gating; what the Jacobian\'s block structure is for FiberPO-Domain', '§6.2, eqs 26, 31', 'symbolic + numeric'),
    Claim('EMP-1', 'first-order agreement with the *true* objective J(θ), exactly, on an enumerable policy', 'Thm 4.5 in practice', 'numeric (exact enumeration)'),
    Claim('EMP-2', '"better update direction": cosine between each surrogate\'s gradient and ∇J(θ) as θ moves off-policy', 'abstract, §5', 'numeric (exact enumeration)'),
    Claim('EMP-3', 'APC-Obj ≡ TV-TRPO in bandit training', 'Thm D.10 in practice', 'empirical'),
    Claim('EMP-4', 'token efficiency and stability: GRPO vs GSPO vs FiberPO vs FiberPO-Domain on tiny-LM RL', 'JoyAI §3.3 in miniature', 'empirical'),
)

BY_ID = {claim.id: claim for claim in CLAIMS}

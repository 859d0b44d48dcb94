"""The claims of the paper to be checked (docs/verdicts.md): id, claim, source in the paper, kind of check, sub-statements.

This module is the one place claim text and source live: producers (derivations, numeric checks, experiments) take
a claim's text and its sub-statements' ids, text and source from here (`part(id)`), and the ledger reads them back.
A sub-statement id is `CLAIM/name`; a producer may report an id not listed here (the ledger shows it under its
claim), but a listed id means one thing everywhere, so several producers' outcomes for it combine.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("result", "remark")


@dataclass(frozen=True)
class ListedPart:
    """One sub-statement of a claim: the result itself (role 'result') or a side assertion or remark ('remark')."""

    id: str
    text: str
    source: str
    role: str = "result"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role: {self.role!r} must be one of {ROLES}")


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

PARTS: tuple[ListedPart, ...] = (
    ListedPart("RGF-1/ppo", "PPO's RGF form (E ≃ X, μ = n/T, G = sign(Â) min(clip(r, 1 ± ε) sign(Â), r sign(Â))) equals "
         "the PPO loss (1/T) Σ min(r Â, clip(r, 1 ± ε) Â)", "p. 29, App. C.4"),
    ListedPart("RGF-1/grpo", "GRPO's RGF form (μ = 1/(|Tj| T_τ), G = G_PPO) equals the GRPO loss (sequence mean of token "
         "means of the PPO term)", "p. 29, App. C.4"),
    ListedPart("RGF-1/gspo", "GSPO's RGF form (μ = 1/(|Tj| T_τ), G = l_τ min(clip(s_τ, 1 ± ε) l_τ, s_τ l_τ), s_τ the "
         "geometric-mean ratio, l_τ = sign Σ_t Â_t) equals the GSPO loss (1/|Tj|) Σ_τ min(s_τ Ā_τ, clip(s_τ) Ā_τ)",
         "p. 29, App. C.4"),
    ListedPart("FPO-2/eq20", "J(G)_ij = G_i/r_j · 1[τ_i = τ_j] (1[|u_i| ≤ ε] 1[i = j] + (1/T)(γ^(l_j) − 1[|u_i| ≤ ε] "
         "1[l_i = l_j] − 1[|v_i| ≤ ε] 1[l_i ≠ l_j])) in every regime", "p. 16, Prop 5.2, eq 20"),
    ListedPart("FPO-2/L-III-shortcut", "in L-III (every |u_i| ≥ ε) the Jacobian (20) reduces to (G_j/r_j)(1/T) γ^(l_j)",
         "p. 14, L-III", "remark"),
    ListedPart("FPO-3/block-diagonal", "J(G)_ij = 0 whenever τ_i ≠ τ_j: the Jacobian is block-diagonal over trajectories",
         "p. 16, Property 5.3"),
    ListedPart("FPO-4/identity", "at r ≡ 1, G = r and J(G) = I (the identity gating)", "p. 17, Property 5.4"),
    ListedPart("FPO-4/identity-ball", "G = r exactly on the sup-norm ball max|log r| ≤ min(C⁺, C⁻, ε T/(T − 1)) (the "
         "neighbourhood SPEC asks for; the paper states the identity at r ≡ 1 only)",
         "p. 17, Property 5.4 (neighbourhood; it contains r ≡ 1 in its interior, so it implies Property 5.4)"),
    ListedPart("FPO-5/coupling", "the coupling term (b) of eq 20 is weighted by 1/T_τ, so trajectory-mediated "
         "effects scale inversely with sequence length; the self term (a) is O(1)", "p. 17, Property 5.5"),
    ListedPart("FPO-7/G-I", "G-I (both channels pass through): w = exp(log s⁺ − log s⁻), the unmodified IS ratio",
         "p. 12, §5.1"),
    ListedPart("FPO-7/G-III", "G-III (both channels zeroed): w = 1", "p. 12, §5.1"),
    ListedPart("FPO-7/five-regimes", "the (log s⁺, log s⁻) plane of Fig 2b (C⁺ = 1/5, C⁻ = 1/10, k = 2) has five global "
         "regimes G-I, G-II,r, G-II, G-III,r, G-III", "p. 11, Fig 2b"),
    ListedPart("FPO-7/rise-peak-decline", "along growing drift |log w| rises through G-II,r, peaks in G-II, declines "
         "through G-III,r and is 0 in G-III", "p. 11, Fig 2 caption; p. 12, §5.1"),
    ListedPart("FPO-10/fiber-pass", "tokens within ε of the same-sign trajectory mean (|u_i| ≤ ε) pass the fiber gate "
         "unclipped even when the trajectory drift is large (log s± > ε)", "p. 13, §5.2"),
    ListedPart("FPO-10/ppo-majority", "in p. 13's case — every token moves with its same-sign trajectory mean (|u_i| ≤ ε, "
         "so FiberPO passes it unattenuated) while that drift is large (log s^(l_i) > ε) — PPO/GRPO (clipping log r_i "
         "at ±ε) clip more than half the tokens", "p. 13, §5.2"),
    ListedPart("FGH-2/closed-form", "the FGH n = 3 instance built from the App. E.7 objects reproduces the FiberPO-Domain "
         "closed form (eqs 30–33)", "p. 38, App. E.7; eqs 30–33"),
    ListedPart("FGH-3/identity", "at r ≡ 1 the FiberPO-Domain gate is the identity, G = r and J(G) = I", "§6.2"),
    ListedPart("FGH-4/independent-inputs", "each level's gate input does not depend on another level's budget",
         "§6.2, eq 31"),
)

# What each claim or sub-statement rests on, as the paper's proofs use it (other sub-statements or claims).
RESTS_ON: dict[str, tuple[str, ...]] = {
    "TRPO-2/maximizer": ("TRPO-3/D.2",),
    "TRPO-3/D.12": ("TRPO-2/maximizer", "TRPO-3/D.11"),
    "APC-6/thm-D10": ("APC-1/eq72-is-tstar", "APC-2/clip-bound", "APC-3/D.6", "APC-4/D.9-1", "APC-4/D.9-2",
                      "TRPO-2/maximizer", "TRPO-2/equalised"),
    "EMP-3": ("APC-6/thm-D10",),
    "FBG-2/true-gradient": ("FBG-2/gate-identity", "FBG-1/reflecting"),
    "FGH-3": ("FBG-2/true-gradient", "FGH-1/compact-is-expanded"),
    "EMP-1/thm-4.5-paper-weights": ("FBG-2/gate-identity",),
    "DER-2/eq79-is-RGF": ("DER-1/decomposed-is-eq77", "DER-1/eq77-to-eq79"),
    "DER-2/RGF-is-eq7": ("FPO-1/eq16",),
    "FPO-1/unsaturated": ("FPO-1/eq16",),
    "FPO-1/G-I": ("FPO-1/unsaturated",),
    "FPO-3/block-diagonal": ("FPO-2/eq20",),
    "FPO-4/identity": ("FPO-2/eq20",),
    "FPO-5/coupling": ("FPO-2/eq20",),
    "FPO-10/fiber-pass": ("FPO-1/unsaturated",),
    "FGH-2/closed-form": ("FGH-1/compact-is-expanded",),
    "FGH-4/independent-budgets": ("FGH-1/compact-is-expanded",),
    "RGF-3/claim-3.5-measured": ("RGF-3/jensen", "RGF-3/pinsker", "RGF-3/kl-bound"),
}

BY_ID = {claim.id: claim for claim in CLAIMS}
PART_BY_ID = {p.id: p for p in PARTS}


def claim_of(part_id: str) -> str:
    """The claim id a sub-statement id belongs to ('FPO-2/eq20' -> 'FPO-2')."""
    return part_id.split("/", 1)[0]


def part(part_id: str) -> ListedPart:
    """The listed sub-statement `part_id` (KeyError names the id when it is not listed)."""
    if part_id not in PART_BY_ID:
        raise KeyError(f"part_id: {part_id!r} is not listed in claims.PARTS")
    return PART_BY_ID[part_id]


def parts_of(claim_id: str) -> tuple[ListedPart, ...]:
    """The listed sub-statements of a claim, in listing order."""
    return tuple(p for p in PARTS if claim_of(p.id) == claim_id)


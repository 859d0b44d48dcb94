"""Findings: one root cause in the paper, checked once, with one status, and every audit row and sub-statement that
states it named beside it (the errata have one entry per finding).

A finding's status is never typed in: it is the weakest status of the checks named in `checked_by` (derivation
sub-statements, or audit rows with a check of their own), read from the derivations' outputs. Its severity follows
from that status (`SEVERITY`). The prose — the paper's words, the problem in one sentence, the witness in the paper's
notation, the correction, the downstream effect — is for people; the witness is re-checked by the finding's
certificate, a standalone script under reports/certificates/ that imports nothing from the project.
"""

from __future__ import annotations

from dataclasses import dataclass

from fiberpo_check.vocabulary.verdicts import Status

SEVERITY = {Status.REFUTED: "error", Status.INCONSISTENT: "error",
            Status.HOLDS_WITH_CONDITIONS: "missing condition", Status.TYPO: "typo",
            Status.APPROXIMATE: "imprecision"}
SEVERITY_ORDER = ("error", "missing condition", "typo", "imprecision")


@dataclass(frozen=True)
class Finding:
    """One root cause: where it is, the paper's words, what is wrong, a witness, the fix, what it affects, and the
    checks that decide it (`checked_by`) and the statements that state it (`rows`: audit rows, `same_fact`:
    sub-statements of other claims)."""

    key: str
    page: int
    locator: str
    paper_words: str
    problem: str
    witness: str
    correction: str
    downstream: str
    checked_by: tuple[str, ...]
    rows: tuple[str, ...] = ()
    same_fact: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.checked_by:
            raise ValueError(f"checked_by: finding {self.key} names no check")
        if len(self.problem) > 400 or len(self.witness) > 400:
            raise ValueError(f"finding {self.key}: problem and witness are one sentence each (≤ 400 characters)")
        if len(self.paper_words) > 300:
            raise ValueError(f"finding {self.key}: quote the paper's words that matter (≤ 300 characters)")

    @property
    def certificate(self) -> str:
        """The certificate's path relative to the output root."""
        return f"reports/certificates/{self.key}.py"


def status_of(finding: Finding, statuses: dict[str, Status]) -> Status:
    """The weakest status among the checks that decide the finding (a check not reported counts as not-yet-checked)."""
    return min((statuses.get(name, Status.NOT_YET_CHECKED) for name in finding.checked_by),
               key=lambda s: s.severity)


def severity_of(status: Status) -> str:
    """error / missing condition / typo / imprecision for a negative status; '' otherwise."""
    return SEVERITY.get(status, "")


FINDINGS: tuple[Finding, ...] = (
    Finding(
        key="inv-T-weighting-gradient", page=8, locator="p. 8, Theorem 4.5 (also Remark 4.7; §6.2 p. 19; Property 5.4 in its first-order reading)",
        paper_words="Then the associated FBG objective agrees with the true RL objective to first order at θ = θold: Ĵ(G;F,R)(θold|θold) = J(θold), ∇θĴ(G;F,R)(θ|θold)|θ=θold = ∇θJ(θ)|θ=θold.",
        problem="With eq 5's per-token weight 1/T_τ the surrogate's gradient at θold is the gradient of the length-normalised linear surrogate, E_τ[(1/T_τ)Σ_t ∇log π Â_t], which is not ∇J (eq 53) when T_τ depends on the sampled actions (and is only (1/T)∇J when every T_τ = T).",
        witness="γ = 1, one prompt s0, actions {stop, go}, π_θ(go|s0) = p = σ(θ) = 1/2; stop ends τ (T_τ = 1, return R1 = 0), go is followed by one forced token (T_τ = 2, return R2 = 1); exact advantages Â = Q − V. Then ∂J/∂θ = p(1−p)(R2−R1) = 1/4, but E[∂Ĵ(G;F,R)/∂θ|θold] = (1−p)(−p)(R1−V) + p·(1/2)(1−p)(R2−V) = 3/16 (value: E[Ĵ(θold|θold)] = −1/8 ≠ J(θold) = 1/2).",
        correction="∇θĴ(G;F,R)(θ|θold)|θold = ∇θJ(θ)|θold → ∇θĴ(G;F,R)(θ|θold)|θold = ∇θĴ(id;F,R)(θ|θold)|θold (the ungated surrogate with the same weights); this is an unbiased ∇J only with weights μ = 1/|Tj| per token (no 1/T_τ), and with eq 5's 1/T_τ it is (1/T)∇J only when every T_τ = T",
        downstream="What App. E.4 proves (gating leaves the ungated surrogate's gradient unchanged at θold) survives; every statement that FBG/FGH objectives, FiberPO (Property 5.4) or FiberPO-Domain agree with the true RL objective to first order (Remark 4.7, §6.2) inherits the failure, since eqs 5, 6 and 81 use 1/T_τ weights with action-dependent T_τ.",
        checked_by=('FBG-2/true-gradient',), rows=('Theorem 4.5', 'Remark 4.7', 'p19-a3'), same_fact=('EMP-1/thm-4.5-paper-weights',)),
    Finding(
        key="surrogate-value-omits-J-old", page=8, locator="p. 8, Theorem 4.5 (value statement)",
        paper_words="Ĵ(G;F,R)(θold|θold) = J(θold)",
        problem="The surrogate of eq 5 carries no J(θold) term (unlike J^(1) of eq 54), so at θold it equals Σ_τ (1/T_τ)Σ_t Â_t, which is neither J(θold) nor, with 1/T_τ weights and action-dependent lengths, zero in expectation.",
        witness="Same two-trajectory process as for the gradient (p = 1/2, R1 = 0 with T_τ = 1, R2 = 1 with T_τ = 2, exact Â): J(θold) = 1/2 but E[Ĵ(G;F,R)(θold|θold)] = (1/2)(−1/2) + (1/2)(1/2)(1/2) = −1/8.",
        correction="Ĵ(G;F,R)(θold|θold) = J(θold) → Ĵ(G;F,R)(θold|θold) = Ĵ(id;F,R)(θold|θold) = Σ_τ (1/T_τ)Σ_t Â_t (agreement with J holds only up to an additive constant)",
        downstream="None of the paper's results uses the value statement; the optimisation only uses gradients, so nothing downstream breaks.",
        checked_by=('Theorem 4.5-value',), rows=(), same_fact=()),
    Finding(
        key="fiber-gate-base-dependence", page=8, locator="p. 8, Theorem 4.5 and Def 4.3 (proof on p. 44)",
        paper_words="The fiber gating function gFiber,i,pB depends on the base density pB, reflecting the fact that local gating may be conditioned on global context.",
        problem="Theorem 4.5's identity conditions fix only the value and the derivative of g_Fiber,i,pB in its argument at the on-policy point, but the Jacobian of G also contains ∂g_Fiber,i,pB/∂p_B · π_E*, which the conditions do not control and App. E.4 ignores.",
        witness="E = {1, 2} over one base point b, π_E*σ = σ1 + σ2, K = (1/2, 1/2), F(r) = r − 1, R(σ) = σ + 1 (R∘F = id), g_Base = id, g_Fiber,i,pB(x) = x + (p_B − π_E*F(1)): all four identity conditions hold at F(1) = 0, yet ∂(R∘G∘F)(r)_1/∂r_1 = 2 while ∂(R∘F)(r)_1/∂r_1 = 1.",
        correction="identity conditions on g and g′ → identity conditions on g and g′ plus ∂g_Fiber,i,pB/∂p_B = 0 at (F(1)_i − K(π_E*F(1))_i, π_E*F(1)) (e.g. the value condition required for all p_B)",
        downstream="FiberPO's and FiberPO-Domain's fiber gates clip(σ_i, ±ε/T_τ) do not depend on p_B, so Props 5.4 and the FGH first-order statements survive; only the general FBG theorem needs the extra condition.",
        checked_by=('Theorem 4.5-pB',), rows=('p44-proof',), same_fact=()),
    Finding(
        key="tj-estimator-length-bias", page=47, locator="p. 47, App. E.5.4 (also p. 9 step 4, p. 11; eqs 50–51, p. 24)",
        paper_words="which is a trajectory-averaged Monte Carlo estimate of the reverse KL divergence D̄(tj)KL(πθold∥πθ). Since this quantity is nonnegative, we have log s−τ ≥ log s+τ in expectation, so the negative channel generically carries more aggregate drift.",
        problem="E_τ[log s⁻_τ − log s⁺_τ] = E_τ[−(1/T_τ)Σ_t log r_t] equals D̄(tj)_KL ≥ 0 only when T_τ does not depend on the sampled actions; with action-dependent lengths (EOS) the 1/T_τ weight correlates with the actions and the expectation can be negative, already at first order in the policy change.",
        witness="γ = 1, state s0 with actions A (stop: T_τ = 1) and B (continue to s1, which has one action, r = 1, then stop: T_τ = 2); π_old(·|s0) = (1/2, 1/2), π_θ(·|s0) = (3/4, 1/4). Then E_τ∼P_old[log s⁻_τ − log s⁺_τ] = E_τ[ˆD̄(τ)_KL] = (1/2)(−log(3/2)) + (1/2)(log 2)/2 ≈ −0.0294 < 0, while D̄(tj)_KL = (3/4)·D_KL(s0) ≈ +0.1079 > 0.",
        correction="log s⁻_τ ≥ log s⁺_τ in expectation → log s⁻_τ ≥ log s⁺_τ in expectation when T_τ is fixed (independent of the sampled actions); with variable lengths E_τ[log s⁻ − log s⁺] is a 1/T_τ-weighted quantity of either sign",
        downstream="Only the design recommendation C⁻ < C⁺ (p. 9, 11, 47) rests on it; no theorem uses it. The same length dependence breaks eq 50's first equality E_τ[D̂^(τ)] = D̄^(tj).",
        checked_by=('FPO-9/expectation',), rows=('p9-step4', 'p11-a3', 'p47-a5'), same_fact=()),
    Finding(
        key="ppo-majority-needs-drift-past-two-eps", page=13, locator="p. 13, §5.2 (fiber residual clip)",
        paper_words="even when (signed-)trajectory-level drift are large (log s± τ > ϵ). And in this case, methods like PPO/GRPO etc. that clip log ri directly would have more than half tokens to exceed the clip bound simultaneously",
        problem="Tokens within ε of their same-sign trajectory mean (|u_i| ≤ ε) with that mean past ε can still have |log r_i| ≤ ε, so PPO/GRPO's clip of log r_i at ±ε may catch at most half of them; the majority follows only when each token's same-sign drift exceeds 2ε.",
        witness="ε = 1, T_τ = 3, log r = (9/10, 9/10, 2): log s⁺ = 19/15 > ε, u = (−11/30, −11/30, 11/15) all within ±ε, yet only one of the three tokens has |log r_i| > ε (z3's smallest instance: T_τ = 2, log r = (1, 2), one of two).",
        correction="'when log s±_τ > ε … more than half tokens exceed the clip bound' → 'when each token's same-sign drift log s^(l_i)_τ > 2ε, every such token exceeds the clip bound (|log r_i| ≥ log s^(l_i)_τ − |u_i| > ε)'",
        downstream="An illustration of the fiber clip's benefit; no result rests on it, and Fig 4's drift family (where most tokens are far past ε) is unaffected.",
        checked_by=('FPO-10/ppo-majority',), rows=('p13-a4',), same_fact=()),
    Finding(
        key="rollback-restorative-needs-positive-advantage", page=10, locator="p. 10, regime (R) of g_agg",
        paper_words="Rollback (R) (C < |x| < C∗ := (1 + T⁻¹τ)C): … The gate reverses slope to −Tτ, producing a restorative gradient that actively opposes the drift direction and pushes the aggregate back toward on-policy.",
        problem="The rollback slope −T_τ opposes the drift only when the advantage's sign matches the rolling-back channel (Â > 0 for l = +1, Â < 0 for l = −1). Otherwise gradient ascent pushes the aggregate further out, toward the zeroed regime.",
        witness="T_τ = 2, both tokens log r = x = 3/25, C⁺ = C⁻ = 1/10 (positive channel in rollback): d(wÂ)/dx = −2wÂ = +2.12 for Â = −1 (ascent raises x).",
        correction="'exhibits a restorative gradient … that actively corrects trajectory drift' → '… for the channel whose sign agrees with the trajectory's advantage (sign Â = l)'.",
        downstream="p. 3 bullet ('restorative Jacobian structure'), p. 10 (R), p. 12 G-II,r, p. 15 Fig 4 bullet 2, p. 20.",
        checked_by=('FPO-6/restorative',), rows=('p10-R',), same_fact=()),
    Finding(
        key="apc-delta-main-vs-appendix", page=5, locator="p. 5, Def 3.2 (also Def C.1, eq 57, p. 27)",
        paper_words="δ(APC-Obj) := (1−γ)²/(8γ∥Âθold•∥∞) · M(Âθold•)/T",
        problem="The main text (p. 5) and Def C.1 (eq 57) define δ(APC-Obj) with an extra factor (1−γ)/T relative to Def D.4 (eq 72) and Theorem D.10, which need δ(APC-Obj) = t* = (1−γ)M/(8γ∥Â∥∞); the factor cannot come from dropping the objective's (1−γ)^(−1) normalisation since δ sits inside the clip.",
        witness="One state, two actions sampled once each, π_old = (1/2, 1/2), Â = (1/2, −1/2), γ = 1/2, T = 2: ∥Â∥∞ = 1/2, M = 1/2, t* = 1/8, but the p. 5 / eq 57 formula gives δ(APC-Obj) = (1/4)/(2)·(1/2)/2 = 1/32, so APC-Obj's update (1/32)(1, −1) ≠ TV-TRPO's (1/8)(1, −1).",
        correction="δ(APC-Obj) := (1−γ)²/(8γ∥Â∥∞) · M/T → δ(APC-Obj) := (1−γ)/(8γ∥Â∥∞) · M (= t*, eq 72)",
        downstream="Theorem 3.3 holds with eq 72's δ (Thm D.10's proof uses it) but not with the main-text formula for γ < 1; the vanishing statement (δ = 0 at γ = 1) and Lemma D.11 are unaffected.",
        checked_by=('APC-1/same-delta',), rows=('p5-delta', 'eq57'), same_fact=()),
    Finding(
        key="tv-estimator-missing-half", page=23, locator="p. 23, eq 39 (also eqs 48, 50, 67; Lemma D.12; p. 32 step 4)",
        paper_words="ˆDTV(s) := 1/Ts Σa∈Xs ns,a |rs,a − 1|, (39) … which are the empirical means of the ratio-form integrands (37)–(38) over the samples at state s.",
        problem="The ratio form (37) is D_TV(s) = ½E_a∼π_old|r − 1|, but the estimators (39), (48), (50)/(51) and the TV-TRPO penalty (67) drop the ½, so they estimate 2·D_TV; where the paper then equates them with D_TV (eq 50, Lemma D.12) it is off by a factor 2.",
        witness="One state s, A = {a1, a2}, π_old = (1/2, 1/2), π_θ = (3/4, 1/4), each action sampled once (T_s = 2, so (65) holds exactly): D_TV(s) (34) = 1/4 but ˆD_TV(s) (39) = 1/2; with Δ* = t*(1, −1), t* = 1/8 (γ = 1/2, Â = (1/2, −1/2)), D_TV^max(π_old∥π_new) = 1/16 = t*/2, not t*.",
        correction="ˆD_TV(s) := (1/T_s)Σ n_{s,a}|r_{s,a} − 1| → ˆD_TV(s) := (1/(2T_s))Σ n_{s,a}|r_{s,a} − 1| (likewise ½ in eqs 48, 50 (f = ½|r − 1| for TV) and 67), or keep (39) and rescale: D_TV^max(π_old∥π_new) = t*/2 in Lemma D.12",
        downstream="App. D is internally consistent in ˆD_TV, so Thms D.3/D.10 survive as statements about the sample-based objective as defined; its penalty is 4× the Monte-Carlo counterpart of (56) (more conservative); Lemma D.12's conclusion survives (t*/2 ≤ δ(TRPO)); the TV reading of ˆD̄(τ)_TV and log s⁺ + log s⁻ in §5/App. E is off by 2.",
        checked_by=('TRPO-4/eq39',), rows=('eq39', 'eq48', 'eq50', 'eq67', 'Lemma D.12', 'p32-C53-4'), same_fact=('TRPO-3/D.12-equality', 'RGF-2/gspo-pinsker')),
    Finding(
        key="rho-bar-gamma1-degenerate", page=23, locator="p. 23, eq 41",
        paper_words="¯ρπθ := (1 − γ)ρπθ(γ) if γ < 1; lim γ→1− (1 − γ)ρπθ(γ) if γ = 1",
        problem="For the finite-length episodes the paper considers ('typical LLMs have finite response length'), ρ(γ) has bounded mass on visited states, so lim_{γ→1}(1−γ)ρ(γ) is the zero measure (or a point mass on the null state of Remark 4.1), not the state distribution that T_s/T estimates in A.3.2.",
        witness="One deterministic episode s0 → s1 → s2 → end (T_τ = 3): (1−γ)ρ(γ)({s0, s1, s2}) = (1−γ)(1 + γ + γ²) = 1 − γ³ → 0 as γ → 1⁻, while Σ_s T_s/T = 1 (T_s/T = 1/3 each).",
        correction="¯ρ := lim_{γ→1⁻}(1−γ)ρ(γ) at γ = 1 → ¯ρ(U) := ρ(1)(U)/E_τ[T_τ] = E_τ[Σ_t 1_U(s_t)]/E_τ[T_τ] at γ = 1 (finite episodes)",
        downstream="Only the average divergence D̄ (41) and its estimator (42) use ¯ρ at γ = 1; with the corrected normalisation (42) is a consistent estimator and nothing else changes.",
        checked_by=('eq41',), rows=(), same_fact=()),
    Finding(
        key="eq5-missing-batch-normalisation", page=8, locator="p. 8, eq 5 (also p. 43, p. 49)",
        paper_words="ˆJ(G;F,R)(θ|θold) := Σ_{τ∈Tjπθold} [ Σ_{t=0}^{Tτ−1} 1/Tτ R◦G◦F(r•)st,at ˆAst,at ]",
        problem="Eq 5 lacks the 1/|Tj| of eq 6 and App. E.5.3, yet Def 5.1 states FiberPO's eq 6 is the eq-5 form with G = R∘G∘F; the two differ by the factor |Tj|.",
        witness="|Tj| = 2 trajectories: eq 5 gives each token weight 1/T_τ, eq 6 gives 1/(2T_τ).",
        correction="Σ_τ Σ_t (1/T_τ) R∘G∘F(r•) Â → (1/|Tj|) Σ_τ Σ_t (1/T_τ) R∘G∘F(r•) Â",
        downstream="A positive constant: arg max and gradient direction are unchanged; only the magnitude in Thm 4.5's gradient equality (already affected by the 1/T_τ weighting) depends on it.",
        checked_by=('eq5',), rows=(), same_fact=()),
    Finding(
        key="logit-softmax-normaliser", page=25, locator="p. 25, App. A.4",
        paper_words="πθ(a|s) = exp(zs,a(θ)) / Σ a′:(s,a′)∈X exp(zs,a′(θ))",
        problem="The softmax normaliser runs over the sampled actions only, which makes every sampled-alone action have probability 1; the network's softmax (eq 19's 'πθ(·|s) = softmax(z(θ, s))') normalises over all of A.",
        witness="A = {a1, a2}, z_{s,·} ≡ 0, only a1 sampled at s: the formula gives πθ(a1|s) = 1, the policy softmax over A gives 1/2.",
        correction="Σ_{a′:(s,a′)∈X} exp(z_{s,a′}) → Σ_{a′∈A} exp(z_{s,a′})",
        downstream="Eq 19's Π_jk = r_j(δ_jk − π_k) is the full-softmax derivative, so it uses the intended reading; nothing else depends on it.",
        checked_by=('p25-logit',), rows=(), same_fact=()),
    Finding(
        key="local-regime-ignores-denominator-clip", page=14, locator="p. 14, regimes L-I and L-III",
        paper_words="L-I (unclipped): max_i |u_i| < ϵ. Every token retains its full per-token self-gating; the fiber gate(gated residual r̃_i^fiber) imposes no restriction and faithfully tracks each token's deviation from the trajectory mean log-ratio.",
        problem="L-I constrains only the numerator residuals u_i, so the denominator logclip of eq 16 can still be saturated and the gated residual then is not r_i/r_τ.",
        witness="T_τ = 3, ε = 1/40 (Fig. 3), C⁺ = 3/20, C⁻ = 9/100, log r = (−3/50, −3/50, 3/100): log s⁺ = 1/100, log s⁻ = 1/25 (G-I), u = (1/50, 1/50, 1/50) so max|u_i| < ε (L-I), but v_3 = −1/25, |v_3| > ε, and log r̃_3 = clip(l_3u_3, ε) − clip(l_3v_3, ε) = 9/200 ≠ log r_3 − log r_τ = 3/50.",
        correction="L-I: max_i |u_i| < ϵ → L-I: max_i |u_i| < ϵ and max_i |v_i| ≤ ϵ (equivalently log s^(−l) ≤ ϵ for each sign channel l present in τ)",
        downstream="Only the regime description and the L-I region of Fig. 3(a) use it; the exact decoupling statement on p. 13 (which states |v_i| ≤ ε) and Props 5.2–5.5 are unaffected.",
        checked_by=('p14-L-I', 'FPO-2/L-III-shortcut'), rows=('p14-L-III',), same_fact=()),
    Finding(
        key="eq19-logit-chain-rule", page=16, locator="p. 16, eq 19",
        paper_words="∂Ĵ(θ|θold)/∂θ = Σ_{k∈E} ∂z_k/∂θ ∂Ĵ/∂z_k = Σ_{i,j,k∈E} ∂z_k/∂θ μ_i ∂G(r•)_i/∂r_j (r_j(δ_jk − (π_θ)_k)) Â_ψ(i), ... Π_jk = ∂r_j/∂z_k",
        problem="Eq 19 is not the gradient of Ĵ: the logit sum runs over sampled indices only and the softmax Jacobian is applied across different states.",
        witness="(i) One state, A = {a, b}, π_old = (1/2, 1/2), only a sampled (E = {a}, μ_a = 1, G = identity, Â_a = 1), θ := z_b, z ≡ 0: true ∂Ĵ/∂θ = ∂r_a/∂z_b = −1/2, eq 19 gives 0. (ii) Two states, j = (s1, a1), k = (s2, a1), z ≡ 0: ∂r_j/∂z_k = 0 but r_j(δ_jk − (π_θ)_k) = −1/2.",
        correction="Σ_{i,j,k∈E} ∂z_k/∂θ μ_i J(G)_ij r_j(δ_jk − (π_θ)_k) Â_ψ(i) → Σ_{i,j∈E} Σ_{b∈A} ∂z_{s_j,b}/∂θ μ_i J(G)_ij r_j(δ_{a_j b} − π_θ(b|s_j)) Â_ψ(i)",
        downstream="Used only to motivate J(G) as the surrogate-dependent factor; Props 5.2–5.5 concern J(G) alone and survive, as does the three-factor reading once Π is corrected (footnote 4's discussion of cross-trajectory coupling should refer to the corrected Π).",
        checked_by=('eq19',), rows=(), same_fact=()),
    Finding(
        key="rollback-slope-cancels-1-over-T", page=17, locator="p. 17, Property 5.5",
        paper_words="The coupling term (b) is weighted by 1/T_τ, so trajectory-mediated effects scale inversely with sequence length.",
        problem="The rollback slope −T_τ of g_agg cancels the 1/T_τ weight, so in G-II,r/G-III,r the coupling term does not shrink with T_τ.",
        witness="C⁺ = 3/25, C⁻ = 1/20, ε = 1/25 (Fig. 4); all log r_t = 1/8 with T_τ = 10 (log s⁺ = 1/8 ∈ (C⁺, (1+1/T_τ)C⁺), rollback): ∂log G_i/∂log r_j = −11/10 for i ≠ j; all log r_t = 241/2000 with T_τ = 100: −101/100. The entry stays ≈ −1 instead of O(1/T_τ).",
        correction="so trajectory-mediated effects scale inversely with sequence length → so, while both channels are in pass-through or zeroed (γ^(±) ∈ {0, 1}), trajectory-mediated effects scale inversely with sequence length; in rollback γ^(l) = −T_τ makes them O(1) per entry",
        downstream="Property 5.5's near-on-policy conclusion (local gradient dominates) survives because near on-policy both channels are in pass-through; the restorative-gradient discussion of §5.1 is consistent with the corrected statement.",
        checked_by=('FPO-5/coupling',), rows=('Property 5.5',), same_fact=()),
    Finding(
        key="sample-tv-trpo-unsampled-states", page=26, locator="p. 26, Lemma B.2 (restating Lemma D.12; also p. 3)",
        paper_words="For any θnew produced by sample-based TV-TRPO, π_θnew ∈ B^TV-TR_δ(TRPO)(θold) (This is a restatement of Lemma D.12).",
        problem="The sample-based objective constrains only the sampled states' estimated TV, so membership in the population trust region needs every state to be sampled with exact estimates (or D^max_TV read as its sample estimate).",
        witness="γ = 1/2 (δ(TRPO) = 1/8), one parameter θ; sampled state s1 with X_s1 = {a1, a2}, n = (1, 1), π_old(·|s1) = (1/2, 1/2), Â = (1/2, −1/2), π_θ(·|s1) = (½(1+θ), ½(1−θ)); unsampled s2 with π_old(·|s2) = (1/2, 1/2), π_θ(·|s2) = (½(1+4θ), ½(1−4θ)). Eq 68 gives j(θ) = θ − 4θ², unique maximizer θ* = 1/8 = t*, but D_TV(s2) = 1/4 > δ(TRPO) = 1/8.",
        correction="π_θnew ∈ B^TV-TR_δ(TRPO)(θold) → D̂^max_TV(θold‖θnew) = max_{s∈S[X]} D̂_TV(s) ≤ δ(TRPO) (population membership only if every state is sampled and the estimates (39) are exact, with the ½ of eq 34)",
        downstream="Theorem B.3 / 2.1 (vanishing) does not need it: B^TV-TR_0 = {π_old} follows from Def B.1 alone, so it survives. The 'updates stay in the TRPO region' reading of Lemma D.12 holds only for the sampled estimate.",
        checked_by=('TRPO-3/D.12',), rows=('Lemma B.2', 'p3-a1'), same_fact=()),
    Finding(
        key="m-undefined-single-action-state", page=35, locator="p. 35, eq 69 and the definition of M(s)",
        paper_words="Δ̂*_{s,•} := arg max_{Δ_{s,•}: D̂_TV(s,Δ)=1, Σ_{a∈X_s} n_{s,a}Δ_{s,a}=0} Σ_{a∈X_s} n_{s,a} Δ_{s,a} Â_{s,a} (69) ... Let M(s) := Σ_{a∈X_s} n_{s,a} Δ̂*_{s,a} Â_{s,a}",
        problem="The per-state unit-TV problem (69) is infeasible when only one action is sampled at s, so M(s) is undefined.",
        witness="X_s = {a}, n_{s,a} = 1 (T_s = 1): Σ n Δ = 0 ⇒ Δ_{s,a} = 0 ⇒ D̂_TV(s, Δ) = 0 ≠ 1 for every feasible Δ.",
        correction="(69) for s ∈ S[X] → (69) for s with |X_s| ≥ 2, and Δ̂*_{s,•} := 0, M(s) := 0 when |X_s| = 1",
        downstream="Lemma D.2, Thm D.3, Def D.4 (δ(APC-Obj)) and Thm D.10 all use M(s); with the convention M(s) := 0 (Δ_s = 0 is forced by (65) anyway) they survive unchanged.",
        checked_by=('eq69',), rows=(), same_fact=()),
    Finding(
        key="dkl-estimator-sign-typo", page=31, locator="p. 31, App. C.5.3 step 3",
        paper_words="−log s_τ := D̂̄^(τ)_KL := (1/T_τ) Σ_{t′=0}^{T_τ−1} log r_{s_t(τ),a_t(τ)}",
        problem="The right-hand side is +log s_τ, not −log s_τ.",
        witness="T_τ = 2, r = (2, 2): −log s_τ = −log 2 but (1/T_τ)Σ log r = log 2; eq 49 gives D̂_KL = −log 2.",
        correction="D̂_KL := (1/T_τ) Σ_{t′} log r_{s_t,a_t} → D̂_KL := −(1/T_τ) Σ_{t′} log r_{s_t′,a_t′}",
        downstream="None: step 4 and C.6 use −log s_τ = D̂_KL with the correct sign.",
        checked_by=('p31-C53-3',), rows=(), same_fact=()),
    Finding(
        key="remark-d7-delta-for-advantage", page=37, locator="p. 37, Remark D.7",
        paper_words="this extra constant 1/((1−γ)Γ) Σ_{s∈S[X]} Γ(s)C(Δ)_s/T_s Σ_{a∈X_s} n_{s,a} Δ_{s,a}, term that evaluates to 0",
        problem="The term separating (73) from (72) contains Â^{θold}, not Δ (and a minus sign).",
        witness="One state, X_s = {a1, a2}, n = (1, 2), δ = 1/4, Δ = (−1/2, 1/4) (Σ nΔ = 0), Â = (1, 0), prefactor Γ(s)/((1−γ)Γ) = 1: C(Δ)_s = −1/12, (73) − (72) = 1/36, the written term = 0, the intended −C(Δ)_s(1/T_s)Σ nÂ = 1/36 (Â here violates (66) to separate the two expressions; under (66) both are 0).",
        correction="Γ(s)C(Δ)_s/T_s Σ_a n_{s,a} Δ_{s,a} → −Γ(s)C(Δ)_s/T_s Σ_a n_{s,a} Â^{θold}_{s,a}",
        downstream="None: Lemma D.6's proof has the correct term, and Theorem D.10 uses Lemma D.6.",
        checked_by=('Remark D.7',), rows=(), same_fact=()),
    Finding(
        key="fbg-verification-missing-factor-T", page=49, locator="p. 49, App. E.5.4 'Verification'",
        paper_words="clip(l_{s,a} log r_{s,a} − log s_τ^(l_{s,a}), ±ϵ) + g^agg(log s_τ^(l_{s,a}), C^(l_{s,a}), T_τ) = g_Fiber,i,π_E∗σ(σ − K(π_E∗σ))_i + K(g_Base,(τ,l_{s,a})(π_E∗σ))_i ≡ G(σ)_i",
        problem="The two sides differ by the factor T_τ.",
        witness="T_τ = 2, ε = 1/25, C⁺ = 3/25, log r = (1/10, 1/50), i = token 1, l = +1: LHS = 1/25 + 3/50 = 1/10; RHS = G(σ)_i = 1/50 + 3/100 = 1/20 = LHS/T_τ.",
        correction="= g_Fiber(σ − K(π_E∗σ))_i + K(g_Base(π_E∗σ))_i ≡ G(σ)_i → = T_τ [g_Fiber(σ − K(π_E∗σ))_i + K(g_Base(π_E∗σ))_i] ≡ T_τ G(σ)_i",
        downstream="None: R(σ) = exp(T_τ(σ₊ − σ₋)) multiplies by T_τ, so R∘G∘F still equals eq 7/80 (proved by the project for the full two-channel form).",
        checked_by=('p49-verification',), rows=(), same_fact=()),
    Finding(
        key="channel-split-stricter-condition", page=48, locator="p. 48, App. E.5.4 (channel-split clip)",
        paper_words="We decompose the above into a stricter clipping by clipping positive and negative log ratios separately",
        problem="The channel-split bound T_τC^(l) − T_τ log s^(l) + |log r| exceeds the unsplit bound T_τδ − T_τ log s⁺ − T_τ log s⁻ + |log r| by T_τ(log s^(−l) − C^(−l)), so the split clip is looser whenever the opposite channel exceeds its budget.",
        witness="T_τ = 2, C⁺ = 1/5, C⁻ = 1/10 (δ = 3/10), log r = (1/10, −3/5): log s⁺ = 1/20, log s⁻ = 3/10 > C⁻; for token 1, unsplit clip(1/10, ±(3/5 − 1/10 − 3/5 + 1/10)) = clip(1/10, ±0) = 0, channel-split clip(1/10, ±(2/5 − 1/10 + 1/10)) = 1/10.",
        correction="a stricter clipping → a clipping that is stricter whenever log s^(−l_{s,a})_τ ≤ C^(−l_{s,a}) (the opposite channel within its budget)",
        downstream="Heuristic derivation step only; FiberPO is defined directly by eq 80, but the claim that FiberPO inherits APC-Obj's trust-region strictness through this step does not hold once one channel is over budget.",
        checked_by=('DER-1/split-stricter',), rows=('p48-a1',), same_fact=()),
    Finding(
        key="decomposed-clip-not-stricter", page=48, locator="p. 48, App. E.5.4 (decomposed clip)",
        paper_words="yielding a stricter clipping (absolute value strictly less than the above)",
        problem="The decomposed clip keeps the fiber term l clip(l log r − log s^(l), ±ε), which is nonzero (and can have the opposite sign of log r) when the channel-split clip is already zero, so its absolute value can exceed the channel-split value.",
        witness="T_τ = 2, C⁺ = 1/5, ε = 1/20, log r = (1/5, 1/2) (l = +1, log s⁺ = 7/20 > (1 + 1/T_τ)C⁺ = 3/10): token 1 channel-split clip(1/5, ±(2/5 − 7/10 + 1/5)) = clip(1/5, ±(−1/10)⁺) = 0, decomposed clip(1/5 − 7/20, ±1/20) + clip(7/20, ±(2/5 − 7/10 − (1/20 − 1/5))) = −1/20 + 0 = −1/20, |−1/20| > 0.",
        correction="a stricter clipping (absolute value strictly less than the above) → a different clipping that agrees with the channel-split clip in pass-through and is not comparable to it in general (its fiber term survives when the aggregate is zeroed)",
        downstream="Eq 77 itself (equality with g_agg form) is unaffected; the derivation's claim that FiberPO is a strictly more conservative relaxation of the channel-split APC clip, and hence inherits its trust-region bound, fails (tokens of a zeroed channel still pass their fiber residual).",
        checked_by=('DER-1/decomposed-no-larger', 'DER-1/strictly-less'), rows=('p48-a2',), same_fact=()),
    Finding(
        key="base-weight-regime-monotonicity", page=12, locator="p. 12, §5.1 regimes G-II,r and G-III,r (Fig 2 caption)",
        paper_words="G-II,r (one channel rolling back): the active rollback produces a restorative gradient that opposes the drifting channel; | log wbase τ | is rising. … G-III,r (mutual rollback): both channels are past their thresholds; | log wbase τ | is declining.",
        problem="|log w| = |g_agg(log s⁺, C⁺, k) − g_agg(log s⁻, C⁻, k)| is rising in G-II,r and declining in G-III,r only along paths like Fig 2b's diagonal; when the rolling-back channel is the larger one (e.g. the typical log s⁻ > log s⁺) rollback makes |log w| fall in G-II,r, and in mutual rollback |log w| can rise.",
        witness="Fig 2b's C⁺ = 1/5, C⁻ = 1/10, k = 2. G-II,r on the ray (log s⁺, log s⁻) = (ρ, 2ρ): |log w| = 1/40 at ρ = 11/200 and 0 at ρ = 3/50 (falling). G-III,r on the ray (ρ, 2ρ/5), both channels rolling back: |log w| = 3/250 at ρ = 13/50 and 6/125 at ρ = 29/100 (rising).",
        correction="G-II,r: |log w| is rising; G-III,r: |log w| is declining → along Fig 2b's diagonal (the smaller-budget channel fully gated before the other reaches its budget) |log w| rises in G-II,r and declines in G-III,r; in general rollback moves log w toward the other channel's value, so |log w| may fall in G-II,r and rise in G-III,r",
        downstream="Descriptive only (Fig 2 caption and §5.1 regime list); no result depends on it.",
        checked_by=('p12-G-IIr', 'p12-G-IIIr'), rows=(), same_fact=()),
    Finding(
        key="l3-jacobian-prefactor-index", page=14, locator="p. 14, regime L-III (Jacobian shortcut)",
        paper_words="L-III (all logclip's saturated): mini |ui| ≥ ϵ. Individual token identity is lost; the Jacobian (20) reduces to G(r)j/rj · 1/Tτ γ(lj)τ, the gradient is governed entirely by the trajectory-level controlled base weight wbase τ.",
        problem="The L-III shortcut writes the prefactor as G_j/r_j, whereas eq 20 (and the actual derivative) has G_i/r_j. Since G_i ≠ G_j in general (their r̃ factors differ), the displayed entry is wrong off the diagonal.",
        witness="T_τ = 2, log r = (1/10, 1/2), ε = 1/10, C± = 1: u = (−1/5, 1/5) (L-III), v = 0. ∂G_1/∂r_2 = 0.3704 = (G_1/r_2)(1/2), while (G_2/r_2)(1/2) = 0.4524.",
        correction="G(r)_j/r_j · (1/T_τ) γ^(l_j) → G(r)_i/r_j · (1/T_τ) γ^(l_j) (and only where |v_i| > ε or l_i = l_j, per the row's existing condition).",
        downstream="none beyond the L-III description.",
        checked_by=('p14-L-III-prefactor',), rows=(), same_fact=()),
    Finding(
        key="xbar-setbuilder-missing-token-constraint", page=33, locator="p. 33, App. D.1 (definition of X̄)",
        paper_words="X̄ := {(s, a, τ, t) | (s, a) ∈ X, τ ∈ Tjθold, t ∈ {0, . . . , Tτ − 1}} … Each element of X̄ is a distinct sampled token, so |X̄| = T. … ns,a = |{(τ, t) | (s, a, τ, t) ∈ X̄}|.",
        problem="As written, X̄ pairs every sampled (s, a) with every (τ, t), contradicting '|X̄| = T' and the multiplicity formula in the same paragraph.",
        witness="Tj = {τ}, τ = ((s0, a0), (s1, a1)): T = 2, written |X̄| = 4, intended 2; ns0,a0 = 1 but |{(τ, t) | (s0, a0, τ, t) ∈ X̄}| = 2.",
        correction="'{(s, a, τ, t) | (s, a) ∈ X, τ ∈ Tj, t ∈ {0, …, Tτ − 1}}' → '{(st(τ), at(τ), τ, t) | τ ∈ Tj, t ∈ {0, …, Tτ − 1}}'",
        downstream="Γ(s) := Σ_{(s′,a,τ,t)∈X̄, s′=s} γ^t (p. 33), the inner sums over X̄ in eqs 57 and 72, 'E = X̄' in E.5 and eq 80, all read with the intended X̄.",
        checked_by=('p33-defs',), rows=(), same_fact=()),
    Finding(
        key="eq81-token-index-range", page=49, locator="p. 49, eq 81",
        paper_words="Ĵ^FiberPO(θ|θold) = E_{g∼D}[ 1/|Tj^θold(g)| Σ_{j∈Tj^θold(g)} 1/T_j^(g) Σ_{i=1}^{T_j^(g)} … ]  (81);  log s_j^(g)+ := 1/T_j^(g) Σ_{i=0}^{T_j^(g)−1} max(log r_{j,i}^(g), 0)",
        problem="The token index range of eq 81 (1..T_j) does not match the one used for the aggregates and by C.3 (0..T_j−1).",
        witness="T_j = 2: tokens are i ∈ {0, 1}; eq 81 sums i ∈ {1, 2}, omitting token 0 and using r_{j,2}, which does not exist.",
        correction="Σ_{i=1}^{T_j^(g)} → Σ_{i=0}^{T_j^(g)−1}",
        downstream="None: every other form (eqs 6, 18, 80) sums all T_τ tokens.",
        checked_by=('eq81',), rows=(), same_fact=()),
    Finding(
        key="ppo-relaxed-sum-over-pairs", page=30, locator="p. 30, App. C.5.1",
        paper_words="Ĵ(θ|θold) = 1/T Σ_{(s,a,τ,t)∈X} [clip(r_{s,a} − 1, ±(T_sδ^(PPO) − Σ_{(s,a′,τ′,t′)∈X̄_s, (a′,τ′,t′)≠(a,τ,t)} |r_{s,a′} − 1|)) + 1] Â_{s,a}",
        problem="The relaxed objective's sum runs over X (state-action pairs) instead of the augmented token set X̄.",
        witness="One one-token trajectory: X = {(s, a)}, X̄ = {(s, a, τ, 0)}; no 4-tuple lies in X, so the written sum is empty while the intended one has one term.",
        correction="Σ_{(s,a,τ,t)∈X} → Σ_{(s,a,τ,t)∈X̄}",
        downstream="None: step 2's PPO objective and eq 64 are stated correctly.",
        checked_by=('p30-C51',), rows=(), same_fact=()),
    Finding(
        key="d10-per-state-value-equality", page=40, locator="p. 40, proof of Theorem D.10",
        paper_words="= 1/((1−γ)Γ) Σ_s Γ(s)/T_s Σ_a n_{s,a}(proj(G(Δ∗∗))_{s,a} Â_{s,a} + Â_{s,a}) − Γ(s)/((1−γ)Γ) · M(s)/T_s · (δ^(APC-Obj) − D̂_TV(s, proj(G(Δ∗)))) = j^(APC-Obj)(Δ∗∗, δ^(APC-Obj)) − … < j^(APC-Obj)(Δ∗∗, δ^(APC-Obj))",
        problem="An equality is written where only the inequality from the maximizer linearity (70) holds.",
        witness="One state, three actions sampled once (T_s = 3), Â = (1, 0, −1), γ = 1/2 (δ(APC-Obj) = 1/8), Δ* = (0, 1/4, −1/4): j(Δ*) = 1/12, the paper's right side = 1/6.",
        correction="j(Δ*) = j(Δ**) − Γ(s)M(s)/((1−γ)ΓT_s)(δ − D̂_TV(s, proj(G(Δ*)))) → j(Δ*) ≤ j(Δ**) − Γ(s)M(s)/((1−γ)ΓT_s)(δ − D̂_TV(s, proj(G(Δ*))))",
        downstream="None: the strict inequality j(Δ*) < j(Δ**) and so Theorem D.10's trust-region step survive.",
        checked_by=('p40-a1',), rows=(), same_fact=()),
    Finding(
        key="zero-m-state-closed-form", page=35, locator="p. 35, Theorem D.3 and eq 71 (also the proof of D.10, p. 40)",
        paper_words="Theorem D.3 (Sample-based TV-TRPO maximizer). Suppose Δ∗• maximizes j(∆) (equivalently, Ĵ(TV-TRPO)) subject to the probability constraint (65). Then ∆∗s,a = t∗ ∆̂∗s,a, t∗ = (1 − γ)/(8γ ∥Âθold•∥∞) M.",
        problem="At a state whose sampled advantages are all equal (M(s) = 0) the maximizer Def. D.1 selects (least L2 norm) has ∆∗s = 0, not t∗∆̂∗s (whose D̂TV(s) is t∗ > 0); the proof notes this ('forces D̂TV(s) = 0') but concludes ∆∗s = t∆̂∗s 'for all s'.",
        witness="S[X] = {s1, s2}, n = 1 for each of the four sampled pairs (four one-token trajectories, t = 0), Â(s1) = (1, −1), Â(s2) = (0, 0), γ = 1/2: M(s1) = 2, M(s2) = 0, M = 1/2, t∗ = 1/16; j = x − 8 max(|x|, |y|)² for ∆s1 = (x, −x), ∆s2 = (y, −y); maximizers: x = 1/16, |y| ≤ 1/16; Def. D.1's choice y = 0 gives D̂TV(s2, ∆∗) = 0 ≠ 1/16 = D̂TV(s2, t∗∆̂∗s2).",
        correction="'Then ∆∗s,a = t∗∆̂∗s,a' → 'Then ∆∗s,a = t∗∆̂∗s,a for every s with M(s) > 0, and ∆∗s,• = 0 (the min-L2 choice) where M(s) = 0'",
        downstream="eq 71 ('attained at c∗ = c'); D.6 intro ('smaller D̂TV(s) always produce argmax solutions with less objective value'); proof of Thm D.10 ('the unique maximizer is ∆∗• = δ(APC-Obj)∆̂∗•', 'π_new = (δ∆̂∗• + 1)π_old'); Thm 3.3 restatement. The equivalence APC-Obj = TV-TRPO itself survives: both min-L2 rules pick ∆s = 0 at such states. Same root cause as the M(s) > 0 condition of row p40-a1.",
        checked_by=('Theorem D.3', 'eq71'), rows=(), same_fact=()),
)

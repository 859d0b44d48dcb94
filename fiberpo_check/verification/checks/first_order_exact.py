"""First-order agreement with the true J (Thm 4.5, Prop 5.4) in exact rationals on enumerable tree policies.

At theta = theta_old every identity-at-on-policy gate reduces the surrogate to its linear surrogate (G(1) = 1,
J_G(1) = I), whose value and gradient are E_tau[sum_t mu_t A_t] and E_tau[sum_t mu_t A_t grad log pi(a_t|s_t)].
For a tabular softmax grad_theta[s] log pi(a|s) = e_a - pi(.|s), so with rational pi and rewards both sides are
rational and agreement is decided exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from fiberpo_check.envs.tree_policy import TreePolicy, build_tree

WEIGHTS = {
    "unit": lambda length: Fraction(1),  # mu = 1 per token (seq-mean-token-sum)
    "paper": lambda length: Fraction(1, length),  # mu = 1/T_tau (eqs 5-6, seq-mean-token-mean)
}
ADVANTAGES = ("trajectory", "token")


@dataclass(frozen=True)
class RationalTree:
    """A tree policy (structure from `build_tree`) with rational pi(.|s) and rewards."""

    vocab: int
    horizon: int
    paths: tuple[tuple[tuple[int, int], ...], ...]  # per trajectory: (state, token) per step
    policy: tuple[tuple[Fraction, ...], ...]  # [n_states][vocab]
    rewards: tuple[Fraction, ...]

    def probability(self, index: int) -> Fraction:
        """pi(tau) of trajectory `index`."""
        prob = Fraction(1)
        for state, token in self.paths[index]:
            prob *= self.policy[state][token]
        return prob

    @property
    def objective(self) -> Fraction:
        """J = sum_tau pi(tau) R(tau)."""
        return sum((self.probability(i) * r for i, r in enumerate(self.rewards)), Fraction(0))


def rational_tree(vocab: int, horizon: int, seed: int, max_weight: int = 3) -> RationalTree:
    """pi(.|s) proportional to integers in 1..max_weight, rewards in (1/4) {0, ..., 4} (seeded)."""
    tree = build_tree(vocab, horizon)
    rng = random.Random(seed)
    policy = []
    for _ in range(tree.n_states):
        weights = [rng.randint(1, max_weight) for _ in range(vocab)]
        policy.append(tuple(Fraction(w, sum(weights)) for w in weights))
    return RationalTree(vocab, horizon, tree_paths(tree), tuple(policy),
                        tuple(Fraction(rng.randint(0, 4), 4) for _ in range(tree.n_trajectories)))


def tree_paths(tree: TreePolicy) -> tuple[tuple[tuple[int, int], ...], ...]:
    """(state, token) pairs of every listed trajectory."""
    return tuple(tuple((int(s), int(a)) for s, a, m in zip(states, tokens, mask) if m)
                 for states, tokens, mask in zip(tree.states.tolist(), tree.tokens.tolist(), tree.mask.tolist()))


def state_values(tree: RationalTree) -> dict[int, Fraction]:
    """V(s) = E[R | s reached] for every reached state."""
    mass: dict[int, Fraction] = {}
    value: dict[int, Fraction] = {}
    for index, path in enumerate(tree.paths):
        prob = tree.probability(index)
        for state, _ in path:
            mass[state] = mass.get(state, Fraction(0)) + prob
            value[state] = value.get(state, Fraction(0)) + prob * tree.rewards[index]
    return {s: value[s] / mass[s] for s in mass}


def token_advantages(tree: RationalTree, index: int, values: dict[int, Fraction], advantage: str) -> list[Fraction]:
    """A_t of trajectory `index`: R - J (trajectory) or Q(s_t, a_t) - V(s_t) (token; Q = V(s_{t+1}) or R at the end)."""
    path = tree.paths[index]
    if advantage == "trajectory":
        return [tree.rewards[index] - tree.objective] * len(path)
    following = [values[s] for s, _ in path[1:]] + [tree.rewards[index]]
    return [q - values[s] for (s, _), q in zip(path, following)]


def surrogate_first_order(tree: RationalTree, weights: str, advantage: str) -> tuple[Fraction, dict]:
    """Value E[sum_t mu A] and gradient E[sum_t mu A (e_a - pi(.|s))] of the linear surrogate at theta_old."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights: {weights!r} is not one of {tuple(WEIGHTS)}")
    if advantage not in ADVANTAGES:
        raise ValueError(f"advantage: {advantage!r} is not one of {ADVANTAGES}")
    values = state_values(tree)
    value, grad = Fraction(0), {}
    for index, path in enumerate(tree.paths):
        prob, mu = tree.probability(index), WEIGHTS[weights](len(path))
        for (state, token), adv in zip(path, token_advantages(tree, index, values, advantage)):
            value += prob * mu * adv
            add_score(grad, state, token, tree.policy[state], prob * mu * adv)
    return value, grad


def true_gradient(tree: RationalTree) -> dict:
    """grad J(theta_old) = sum_tau pi(tau) R(tau) sum_t (e_{a_t} - pi(.|s_t)), exactly."""
    grad: dict = {}
    for index, path in enumerate(tree.paths):
        for state, token in path:
            add_score(grad, state, token, tree.policy[state], tree.probability(index) * tree.rewards[index])
    return grad


def add_score(grad: dict, state: int, token: int, policy: tuple[Fraction, ...], scale: Fraction) -> None:
    """grad[(state, b)] += scale ([b = token] - pi(b|state)) for every b."""
    for b, p in enumerate(policy):
        grad[(state, b)] = grad.get((state, b), Fraction(0)) + scale * ((b == token) - p)


def agreement(tree: RationalTree, weights: str, advantage: str) -> dict:
    """Exact value offset and gradient difference of the linear surrogate against J at theta_old."""
    value, grad = surrogate_first_order(tree, weights, advantage)
    truth = true_gradient(tree)
    keys = sorted(set(grad) | set(truth))
    diff = {k: grad.get(k, Fraction(0)) - truth.get(k, Fraction(0)) for k in keys}
    worst = max(keys, key=lambda k: abs(diff[k]))
    return {"value_offset": value, "gradient_equal": all(d == 0 for d in diff.values()),
            "value_equal": value == 0, "worst_entry": worst, "surrogate": grad.get(worst, Fraction(0)),
            "true": truth.get(worst, Fraction(0))}


def describe(tree: RationalTree, weights: str, advantage: str, found: dict) -> str:
    """A counterexample a reader can check by hand."""
    state, token = found["worst_entry"]
    policy = "; ".join(f"s{s}: (" + ", ".join(str(p) for p in row) + ")" for s, row in enumerate(tree.policy))
    return (f"vocab {tree.vocab} (token {tree.vocab - 1} = EOS), horizon {tree.horizon}, pi {policy}, rewards ("
            + ", ".join(str(r) for r in tree.rewards) + f"), weights {weights}, advantages {advantage}: "
            f"d/dtheta[s{state}, {token}] of the surrogate = {found['surrogate']}, of J = {found['true']}; "
            f"value offset {found['value_offset']}")


def family(shapes: tuple[tuple[int, int], ...], seeds: int) -> list[RationalTree]:
    """`seeds` rational policies on every (vocab, horizon) tree, smallest trees first."""
    return [rational_tree(v, h, seed) for v, h in sorted(shapes, key=lambda s: (s[0] ** s[1], s)) for seed in
            range(seeds)]

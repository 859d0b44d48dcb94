"""Exact maximisers, in rationals, over real policies: APC-Obj (eq 57) per state, the linear objective in a TV ball of
one state (eq 71), and the penalised sample-based TV-TRPO objective of a whole batch (Def D.1, eqs 67-68).

Over real policies the ratio deviations of a state form the simplex {Delta >= -1, sum_a pi_old Delta = 0}. APC-Obj
is continuous and linear on every cell cut out of it by the hyperplanes Delta_a = -1, Delta_a = 0 and, inside each
sign orthant, sum n |Delta| = T_s delta (clip inactive / active) and T_s delta - sum n |Delta| + |Delta_a| = 0 (arm
a zeroed). Its maximum is therefore attained at a vertex of that arrangement; every vertex is enumerated and the
objective evaluated exactly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

Vector = tuple[Fraction, ...]


def determinant(rows: list[tuple[int, ...]]) -> int:
    """Integer determinant by Laplace expansion along the first row (the systems here have at most 5 rows)."""
    if len(rows) == 1:
        return rows[0][0]
    return sum((-1) ** col * rows[0][col] * determinant([row[:col] + row[col + 1:] for row in rows[1:]])
               for col in range(len(rows)) if rows[0][col])


def integer_row(coefficients, value) -> tuple[int, ...]:
    """A rational equation (coefficients . x = value) scaled to integer coefficients."""
    entries = [Fraction(c) for c in (*coefficients, value)]
    scale = math.lcm(*(e.denominator for e in entries))
    return tuple(int(e * scale) for e in entries)


def solve(rows: list[tuple[int, ...]]) -> Vector | None:
    """The unique solution of a square integer system [A | b] by Cramer's rule, None when singular."""
    matrix = [row[:-1] for row in rows]
    det = determinant(matrix)
    if det == 0:
        return None
    size = len(rows)
    return tuple(Fraction(determinant([m[:col] + (row[-1],) + m[col + 1:] for m, row in zip(matrix, rows)]), det)
                 for col in range(size))


def apc_state_gain(counts: Vector, advantages: Vector, delta: Fraction, deviation: Vector) -> Fraction:
    """sum_a n A clip(Delta_a, B_a), B_a = max(0, T_s delta - sum_a' (n_a' - [a' = a]) |Delta_a'|) (eq 57, a state)."""
    budget = sum(counts) * delta
    used = sum(n * abs(d) for n, d in zip(counts, deviation))
    gain = Fraction(0)
    for n, adv, d in zip(counts, advantages, deviation):
        bound = max(Fraction(0), budget - used + abs(d))
        gain += n * adv * max(min(d, bound), -bound)
    return gain


def linear_gain(counts: Vector, advantages: Vector, deviation: Vector) -> Fraction:
    """sum_a n A Delta: the TV-TRPO linear term of one state (eq 68)."""
    return sum((n * a * d for n, a, d in zip(counts, advantages, deviation)), Fraction(0))


def vertices(counts: Vector, policy: Vector, delta: Fraction):
    """Every vertex of the arrangement above inside the real-policy simplex of one state."""
    arms = len(counts)
    budget = sum(counts) * delta
    unit = [tuple(int(a == b) for b in range(arms)) for a in range(arms)]
    balance = integer_row(policy, 0)
    solved: dict = {}
    for signs in itertools.product((1, -1), repeat=arms):
        planes = [unit[a] + (-1,) for a in range(arms) if signs[a] < 0] + [unit[a] + (0,) for a in range(arms)]
        used = [signs[b] * counts[b] for b in range(arms)]
        planes.append(integer_row(used, budget))
        planes += [integer_row([used[b] - (signs[b] if b == a else 0) for b in range(arms)], budget)
                   for a in range(arms)]
        for chosen in itertools.combinations(planes, arms - 1):
            if chosen not in solved:
                solved[chosen] = solve([balance, *chosen])
            point = solved[chosen]
            if point is not None and all(d >= -1 and s * d >= 0 for d, s in zip(point, signs)):
                yield point


@dataclass(frozen=True)
class StateMaximum:
    """The exact maximum of one state's objective over real policies and the vertices attaining it."""

    value: Fraction
    argmax: tuple[Vector, ...]

    @property
    def unique(self) -> bool:
        """One vertex attains the maximum (the argmax is that point)."""
        return len(self.argmax) == 1

    @property
    def least_norm(self) -> Vector:
        """The maximising vertex of least sum Delta^2 (the tie rule of App. D.1 restricted to vertices)."""
        return min(self.argmax, key=lambda d: (sum(x * x for x in d), d))


def maximise(objective, counts: Vector, policy: Vector, delta: Fraction, feasible=lambda d: True) -> StateMaximum:
    """max of objective(Delta) over the arrangement's feasible vertices, exactly."""
    best, argmax = None, []
    for point in set(vertices(counts, policy, delta)):
        if not feasible(point):
            continue
        value = objective(point)
        if best is None or value > best:
            best, argmax = value, [point]
        elif value == best:
            argmax.append(point)
    return StateMaximum(best, tuple(argmax))


def apc_maximum(counts: Vector, advantages: Vector, policy: Vector, delta: Fraction) -> StateMaximum:
    """Exact maximiser of APC-Obj over the real policies of one state (eq 57, Thm D.10's left-hand side)."""
    return maximise(lambda d: apc_state_gain(counts, advantages, delta, d), counts, policy, delta)


def tv_ball_maximum(counts: Vector, advantages: Vector, policy: Vector, delta: Fraction) -> StateMaximum:
    """Exact maximiser of sum n A Delta s.t. D_TV(s) = sum n |Delta| / T_s <= delta over one state's real policies
    (eq 71 restricted to policies)."""
    budget = sum(counts) * delta
    return maximise(lambda d: linear_gain(counts, advantages, d), counts, policy, delta,
                    feasible=lambda d: sum(n * abs(x) for n, x in zip(counts, d)) <= budget)


def closed_form(counts: Vector, advantages: Vector, delta: Fraction) -> Vector | None:
    """Thm D.3's update delta Delta-hat*: +delta T_s/(2 n) on the best sampled arm, -delta T_s/(2 n) on the worst;
    None when the best or the worst arm is tied (then the tie rule applies) or all advantages are equal."""
    sampled = [a for a, n in enumerate(counts) if n > 0]
    best = max(advantages[a] for a in sampled)
    worst = min(advantages[a] for a in sampled)
    tops = [a for a in sampled if advantages[a] == best]
    bottoms = [a for a in sampled if advantages[a] == worst]
    if best == worst or len(tops) > 1 or len(bottoms) > 1:
        return None
    half = sum(counts) * delta / 2
    return tuple(half / counts[a] if a == tops[0] else -half / counts[a] if a == bottoms[0] else Fraction(0)
                 for a in range(len(counts)))


def paper_radius(counts: list[Vector], advantages: list[Vector], gamma: Fraction) -> Fraction:
    """delta^(APC-Obj) = t* = (1 - gamma) M / (8 gamma ||A||_inf), M = (1/T) sum_s (T_s/2)(max A - min A) (eq 72)."""
    total = sum(sum(n) for n in counts)
    spread = sum(sum(n) / 2 * (max(a for a, m in zip(adv, n) if m > 0) - min(a for a, m in zip(adv, n) if m > 0))
                 for n, adv in zip(counts, advantages))
    norm = max(abs(a) for adv, n in zip(advantages, counts) for a, m in zip(adv, n) if m > 0)
    return (1 - gamma) * (spread / total) / (8 * gamma * norm)


def state_tv(counts: Vector, deviation: Vector) -> Fraction:
    """D_TV(s, Delta) = (1/T_s) sum_a n |Delta_a| (eq 39 in ratio deviations)."""
    return sum((n * abs(d) for n, d in zip(counts, deviation)), Fraction(0)) / sum(counts)


def tv_breakpoints(counts: Vector, policy: Vector) -> set[Fraction]:
    """Radii between which f(t) = max sum n A Delta s.t. D_TV(s) <= t over one state's policies is linear: 0 and the
    D_TV of every vertex of the policy simplex cut by the sign hyperplanes (f is concave, and its optimum moves along
    an edge between two such vertices)."""
    beyond = 1 + sum((n / p for n, p in zip(counts, policy)), Fraction(0)) / sum(counts)  # no vertex reaches it
    return {Fraction(0)} | {state_tv(counts, v) for v in vertices(counts, policy, beyond)}


def batch_spread(counts: list[Vector], advantages: list[Vector]) -> Fraction:
    """M = (1/T) sum_s M(s), M(s) = (T_s/2)(max_a A - min_a A) over sampled arms (Thm D.3's aggregate, Gamma(s) = T_s)."""
    total = sum(sum(n) for n in counts)
    return sum(sum(n) / 2 * (max(a for a, m in zip(adv, n) if m > 0) - min(a for a, m in zip(adv, n) if m > 0))
               for n, adv in zip(counts, advantages)) / total


def tv_trpo_penalty(counts: list[Vector], advantages: list[Vector], delta: Fraction) -> Fraction:
    """kappa = M / (2 delta): the coefficient of (max_s D_TV)^2 in (1 - gamma) x eq 68, which puts the unconstrained
    maximiser at radius delta; at the paper's radius delta = t* it is 4 gamma ||A||_inf / (1 - gamma) (Thm D.3)."""
    return batch_spread(counts, advantages) / (2 * delta)


def tv_trpo_objective(counts: list[Vector], advantages: list[Vector], delta: Fraction, deviations) -> Fraction:
    """(1 - gamma) j(Delta) of eq 68 with Gamma(s) = T_s: (1/T) sum n A Delta - kappa (max_s D_TV(s))^2."""
    total = sum(sum(n) for n in counts)
    linear = sum(linear_gain(n, a, d) for n, a, d in zip(counts, advantages, deviations)) / total
    radius = max(state_tv(n, d) for n, d in zip(counts, deviations))
    return linear - tv_trpo_penalty(counts, advantages, delta) * radius**2


def tv_trpo_batch_maximum(counts: list[Vector], advantages: list[Vector], policy: list[Vector],
                          delta: Fraction) -> list[StateMaximum]:
    """Exact maximiser over real policies of the penalised sample-based TV-TRPO objective (Def D.1, eqs 67-68).

    With t = max_s D_TV(s) the objective is F(t) - kappa t^2, F(t) = (1/T) sum_s f_s(t) concave and linear between the
    states' breakpoints (tv_breakpoints), so the concave objective is scanned piece by piece from t = 0 and its
    maximum is the first piece's end or stationary point slope / (2 kappa) where it stops increasing; each state then
    takes its TV-ball maximiser at that t. Returns per state the value sum n A Delta and the maximising vertices."""
    if batch_spread(counts, advantages) == 0:
        return [StateMaximum(Fraction(0), (tuple(Fraction(0) for _ in n),)) for n in counts]
    kappa = tv_trpo_penalty(counts, advantages, delta)
    radii = sorted(set().union(*(tv_breakpoints(n, p) for n, p in zip(counts, policy))))

    def maxima(t: Fraction) -> list[StateMaximum]:
        return [tv_ball_maximum(n, a, p, t) for n, a, p in zip(counts, advantages, policy)]

    def gain(t: Fraction) -> Fraction:
        return sum(m.value for m in maxima(t)) if t else Fraction(0)

    best, low = radii[-1], gain(radii[0])
    for t0, t1 in zip(radii, radii[1:]):
        high = gain(t1)
        stationary = (high - low) / (t1 - t0) / (2 * kappa * sum(sum(n) for n in counts))
        if stationary < t1:  # the objective stops increasing inside this piece (or at its start)
            best = max(t0, stationary)
            break
        low = high
    return maxima(best)

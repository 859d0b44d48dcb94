"""Summaries over seeds: mean with a Student-t 95% interval, and a percentile-bootstrap 95% interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats


@dataclass(frozen=True)
class Interval:
    """A mean over n values with its confidence interval (None: not finite); `missing`: values never reached."""

    mean: float | None
    low: float | None
    high: float | None
    n: int
    missing: int = 0


@dataclass(frozen=True)
class PairedContrast:
    """Paired difference first - second over shared seeds or problems: estimate, CI, two-sided p of `test`, and the
    smallest true difference the test detects with power 0.8 at alpha 0.05 (None: none)."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    test: str
    detectable_effect: float | None


def t_interval(values, level: float = 0.95) -> Interval:
    """Mean and Student-t confidence interval of finite values (a single value gives a zero-width interval)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return Interval(None, None, None, 0)
    mean = float(x.mean())
    if len(x) == 1:
        return Interval(mean, mean, mean, 1)
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return Interval(mean, mean - half, mean + half, len(x))


def bootstrap_interval(values, level: float = 0.95, resamples: int = 2000, seed: int = 0) -> Interval:
    """Mean and percentile-bootstrap interval; None entries (never reached) count as +inf and are reported."""
    x = np.asarray([np.inf if v is None else v for v in values], dtype=float)
    if len(x) == 0:
        return Interval(None, None, None, 0)
    rng = np.random.default_rng(seed)
    means = rng.choice(x, size=(resamples, len(x)), replace=True).mean(axis=1)
    low, high = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2], method="inverted_cdf")
    return Interval(finite(x.mean()), finite(low), finite(high), len(x), int(np.isinf(x).sum()))


def finite(value: float) -> float | None:
    """A float, or None for inf/NaN (JSON has no infinity)."""
    return float(value) if np.isfinite(value) else None


def detectable_effect(sd: float, n: int, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """Smallest true mean difference a two-sided paired t-test on n pairs detects with `power` (noncentral t)."""
    if n < 2 or not np.isfinite(sd):
        return None
    df, critical = n - 1, stats.t.ppf(1 - alpha / 2, n - 1)

    def achieved(shift: float) -> float:  # power at a standardised shift, minus the target (the far tail is ~0)
        return float(np.nan_to_num(stats.nct.sf(critical, df, shift * np.sqrt(n)), nan=1.0)) - power

    return float(sd * optimize.brentq(achieved, 1e-9, 20.0))


def paired_contrast(a, b, level: float = 0.95) -> PairedContrast:
    """Paired difference a - b over shared seeds: mean, Student-t CI, two-sided paired t-test p, detectable effect."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    n, mean = len(d), float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else float("nan")
    if n < 2:
        p, low, high = 1.0, float("nan"), float("nan")
    elif sd == 0:  # every pair differs by the same amount: the t statistic is infinite (or undefined at 0)
        p, low, high = (1.0 if mean == 0 else 0.0), mean, mean
    else:
        interval = t_interval(d, level)
        p, low, high = float(stats.ttest_1samp(d, 0.0).pvalue), interval.low, interval.high
    return PairedContrast(mean, low, high, p, n, "paired t", detectable_effect(sd, n) if sd > 0 else None)


def paired_sign_contrast(a, b, level: float = 0.95, alpha: float = 0.05) -> PairedContrast:
    """Paired difference of 0/1 outcomes a - b: mean, percentile-bootstrap CI, exact two-sided sign test p on the
    discordant pairs; detectable effect: the smallest difference in rates the test can declare at all (None: none)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    discordant, positive = int((d != 0).sum()), int((d > 0).sum())
    p = float(stats.binomtest(positive, discordant, 0.5).pvalue) if discordant else 1.0
    boot = bootstrap_interval(list(d), level)
    needed = next((k for k in range(1, len(d) + 1) if 2 * 0.5**k < alpha), None)
    return PairedContrast(float(d.mean()), boot.low, boot.high, p, len(d), "exact sign test",
                          None if needed is None else needed / len(d))

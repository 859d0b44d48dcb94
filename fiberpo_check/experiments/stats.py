"""Summaries over seeds: mean with a Student-t 95% interval, and a percentile-bootstrap 95% interval."""

from __future__ import annotations

import numpy as np
from scipy import stats


def t_interval(values, level: float = 0.95) -> dict:
    """Mean and Student-t confidence interval of finite values (a single value gives a zero-width interval)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return {"mean": None, "low": None, "high": None, "n": 0}
    mean = float(x.mean())
    if len(x) == 1:
        return {"mean": mean, "low": mean, "high": mean, "n": 1}
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": len(x)}


def bootstrap_interval(values, level: float = 0.95, resamples: int = 2000, seed: int = 0) -> dict:
    """Mean and percentile-bootstrap interval; None entries (never reached) count as +inf and are reported."""
    x = np.asarray([np.inf if v is None else v for v in values], dtype=float)
    if len(x) == 0:
        return {"mean": None, "low": None, "high": None, "n": 0, "missing": 0}
    rng = np.random.default_rng(seed)
    means = rng.choice(x, size=(resamples, len(x)), replace=True).mean(axis=1)
    low, high = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2], method="inverted_cdf")
    return {
        "mean": finite(x.mean()),
        "low": finite(low),
        "high": finite(high),
        "n": len(x),
        "missing": int(np.isinf(x).sum()),
    }


def finite(value: float) -> float | None:
    """A float, or None for inf/NaN (JSON has no infinity)."""
    return float(value) if np.isfinite(value) else None

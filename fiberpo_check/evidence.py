"""Evidence text rendered from sub-statements' outcomes (status, engine, domain, findings, measurements)."""

from __future__ import annotations


def measurement_text(measurements: dict) -> str:
    """Compact rendering of an outcome's measurements (floats to 3 significant digits, nested dicts in braces)."""
    def fmt(value) -> str:
        if isinstance(value, float):
            return f"{value:.3g}"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) + "}"
        return str(value)

    return ", ".join(f"{k} = {fmt(v)}" for k, v in measurements.items())


def render_evidence(substatements) -> str:
    """One clause per outcome: id [status] (engine; domain): measurements; counterexample; condition; error."""
    parts = []
    for sub in substatements:
        for o in sub.outcomes:
            found = "; ".join(x for x in (o.counterexample and f"counterexample: {o.counterexample}",
                                          o.condition and f"condition: {o.condition} "
                                          f"({'holds' if o.condition_holds else 'fails'} under it)",
                                          o.error) if x)
            parts.append(f"{sub.id} [{sub.status.value}] ({o.engine}; {o.domain}): "
                         f"{measurement_text(o.measurements)}" + (f"; {found}" if found else ""))
    return " | ".join(parts)

"""Sizes of the numeric checks: `small` (tests, item-4 controls), and the `make verify` presets."""

from __future__ import annotations

PRODUCER = "verify"
SEPARATION_LENGTHS = [4, 16, 64, 256]
PRESETS = {
    "small": {"tokens": [2_000], "separation_lengths": SEPARATION_LENGTHS[:3], "first_order": "quick"},
    "quick": {"tokens": [10_000, 100_000], "separation_lengths": SEPARATION_LENGTHS, "first_order": "quick"},
    "default": {"tokens": [10_000, 100_000, 1_000_000], "separation_lengths": SEPARATION_LENGTHS, "first_order": "default"},
    "full": {"tokens": [10_000, 100_000, 1_000_000, 4_000_000], "separation_lengths": SEPARATION_LENGTHS,
             "first_order": "full"},
}
SMALL = PRESETS["small"]
MACHINE = 1e-12  # relative gap counted as agreement to machine precision (float64)

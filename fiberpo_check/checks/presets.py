"""Sizes of the numeric checks: `small` (tests, item-4 controls), and the `make verify` presets."""

from __future__ import annotations

PRODUCER = "verify"
SEPARATION_LENGTHS = [4, 16, 64, 256]
PRESETS = {
    "small": {"tokens": [2_000], "separation_lengths": SEPARATION_LENGTHS[:3], "directions": 1, "epochs": 4,
              "tree": (2, 3)},
    "quick": {"tokens": [10_000, 100_000], "separation_lengths": SEPARATION_LENGTHS, "directions": 1, "epochs": 8,
              "tree": (3, 3)},
    "default": {"tokens": [10_000, 100_000, 1_000_000], "separation_lengths": SEPARATION_LENGTHS, "directions": 3,
                "epochs": 30, "tree": (3, 4)},
    "full": {"tokens": [10_000, 100_000, 1_000_000, 4_000_000], "separation_lengths": SEPARATION_LENGTHS,
             "directions": 8, "epochs": 60, "tree": (3, 5)},
}
SMALL = PRESETS["small"]
MACHINE = 1e-12  # relative gap counted as agreement to machine precision (float64)

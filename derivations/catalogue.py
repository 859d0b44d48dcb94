"""The derivations: the group modules of GROUPS, imported here, and the claims they derive (`derivations`), given to
the verdict engine as checks (`derivation_checks`)."""

from __future__ import annotations

from typing import Callable

from fiberpo_check.vocabulary.check_registry import Check, collect, marked_functions

from . import GROUPS, apc, der, fbg, fgh, fpo, rgf, trpo

GROUP_MODULES = {"trpo": trpo, "apc": apc, "rgf": rgf, "fbg": fbg, "der": der, "fpo": fpo, "fgh": fgh}
if tuple(GROUP_MODULES) != tuple(GROUPS):
    raise ValueError(f"GROUP_MODULES {tuple(GROUP_MODULES)} must list GROUPS {tuple(GROUPS)} in order")


def derivations(groups=None) -> dict[str, Callable]:
    """claim id -> its derivation function, for the listed groups (all of GROUPS by default), in group then
    definition order."""
    found = {}
    for name in groups or GROUPS:
        if name not in GROUP_MODULES:
            raise ValueError(f"group: {name!r} is not one of {tuple(GROUPS)}")
        for fn in marked_functions([GROUP_MODULES[name]], "claim_id"):
            if fn.claim_id in found:
                raise ValueError(f"claim {fn.claim_id}: two derivations")
            found[fn.claim_id] = fn
    return found


def derivation_checks() -> list[Check]:
    """Every derivation as a check of the verdict engine."""
    return collect(GROUP_MODULES.values())

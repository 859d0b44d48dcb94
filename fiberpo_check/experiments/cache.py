"""Results cached under results/experiments/, keyed by a hash of the config that produced them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from ..verdicts import ROOT

RESULT_DIR = ROOT / "results" / "experiments"


def config_hash(config: dict) -> str:
    """First 12 hex digits of the SHA-256 of the config's canonical JSON."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:12]


def cached(
    name: str, config: dict, compute: Callable[[], dict], out_dir: Path | None = None, key: dict | None = None
) -> dict:
    """The stored result of `name` for this config, computing and storing it (atomically) when absent.

    `key` (default: the config) is what identifies a run; the returned result carries the full current config.
    """
    out_dir = out_dir or RESULT_DIR
    path = out_dir / f"{name}-{config_hash(config if key is None else key)}.json"
    if not path.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"name": name, **compute()}, indent=1, sort_keys=True, default=float) + "\n")
        tmp.replace(path)
    result = json.loads(path.read_text())  # a fresh result is read back too: same key order as a cached one
    (out_dir / f"{name}-latest.json").write_text(json.dumps({"path": path.name, "config": config}, default=str) + "\n")
    return {**result, "config": config}


def latest(name: str, out_dir: Path | None = None) -> dict | None:
    """The most recently computed result of `name`, or None."""
    out_dir = out_dir or RESULT_DIR
    pointer = out_dir / f"{name}-latest.json"
    if not pointer.exists():
        return None
    found = json.loads(pointer.read_text())
    path = out_dir / found["path"]
    return {**json.loads(path.read_text()), "config": found["config"]} if path.exists() else None

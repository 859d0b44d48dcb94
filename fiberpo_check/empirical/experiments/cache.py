"""Results cached under results/experiments/, keyed by a hash of the config and of the code that produced them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

from fiberpo_check import paths

PACKAGE = Path(__file__).resolve().parents[2]
# The sources that produce raw results (summaries and verdicts read them and are not part of a run's identity).
RESULT_CODE = ("engine", "envs", "empirical/training", "empirical/experiments/bandit_experiment.py",
               "empirical/experiments/lm_experiment.py")


def code_hash(sources: tuple[str, ...] = RESULT_CODE, root: Path = PACKAGE) -> str:
    """First 12 hex digits of the SHA-256 over the names and bytes of every .py file under `sources` (relative to
    `root`), in sorted order."""
    digest = hashlib.sha256()
    for source in sources:
        path = root / source
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def config_hash(config: dict) -> str:
    """First 12 hex digits of the SHA-256 of the config's canonical JSON."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:12]


def pointer_path(name: str, preset: str, out_dir: Path) -> Path:
    """The file naming the latest result of `name` run as part of `preset` (one pointer per preset)."""
    return out_dir / f"{name}-latest-{preset}.json"


def result_path(name: str, key: dict, out_dir: Path | None = None) -> Path:
    """Where the result of `name` for this key (a config) and the current result-producing code is stored."""
    return (out_dir or paths.EXPERIMENT_RESULTS) / f"{name}-{config_hash({'config': key, 'code': code_hash()})}.json"


def cached(
    name: str, config: dict, compute: Callable[[], dict], out_dir: Path | None = None, key: dict | None = None,
    preset: str | None = None,
) -> dict:
    """The stored result of `name` for this config, computing and storing it (atomically) when absent.

    `key` (default: the config) and the hash of the result-producing code identify a run, so a code change never
    reuses an old result; the returned result carries the full current config. Only a run of a named `preset` moves
    that preset's latest pointer; other presets' pointers never move.
    """
    out_dir = out_dir or paths.EXPERIMENT_RESULTS
    path = result_path(name, config if key is None else key, out_dir)
    if not path.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"name": name, **compute()}, indent=1, sort_keys=True, default=float) + "\n")
        tmp.replace(path)
    result = json.loads(path.read_text())  # a fresh result is read back too: same key order as a cached one
    if preset is not None:
        pointer = {"path": path.name, "config": config, "preset": preset}
        pointer_path(name, preset, out_dir).write_text(json.dumps(pointer, default=str) + "\n")
    return {**result, "config": config}


def latest(name: str, preset: str, out_dir: Path | None = None) -> dict | None:
    """The latest result of `name` run as part of `preset` (with its 'preset' and 'path'), or None."""
    out_dir = out_dir or paths.EXPERIMENT_RESULTS
    pointer = pointer_path(name, preset, out_dir)
    if not pointer.exists():
        return None
    found = json.loads(pointer.read_text())
    path = out_dir / found["path"]
    if not path.exists():
        return None
    return {**json.loads(path.read_text()), "config": found["config"], "preset": preset, "path": str(path)}


def presets_with_results(name: str, out_dir: Path | None = None) -> list[str]:
    """The presets for which a latest result of `name` is recorded."""
    out_dir = out_dir or paths.EXPERIMENT_RESULTS
    return sorted(p.stem.removeprefix(f"{name}-latest-") for p in out_dir.glob(f"{name}-latest-*.json"))

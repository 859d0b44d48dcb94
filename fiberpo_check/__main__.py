"""Command line: `python -m fiberpo_check COMMAND [options]` (or `fiberpo-check COMMAND`); commands in cli/."""

from __future__ import annotations

import importlib
import os
import sys
from importlib import metadata

COMMANDS = {
    "all": "derivations -> numeric verification -> experiments -> figures -> ledger and report",
    "derivations": "run the SymPy derivations and write derivations/out/",
    "verify": "run the numeric checks at scale and write results/verify/",
    "experiments": "run the bandit and tiny-LM experiments (results cached under results/)",
    "figures": "draw every figure into figures/ (PDF + PNG + JSON sidecar) from the preset's stored results",
    "notebooks": "execute the notebooks; executed .ipynb (with plots) and HTML into reports/notebooks/",
    "ledger": "print the claims ledger (--json for every row, --write for reports/)",
    "report": "write reports/index.html (one movable file: claims, evidence, derivations, figures)",
    "conform": "check a third-party loss with verl's signature: conform MODULE:FUNC",
    "bench": "time the FiberPO losses against the GRPO loss; writes results/bench.json",
}


def usage() -> str:
    """The list of commands with one line each."""
    lines = ["usage: python -m fiberpo_check COMMAND [options]   (or: fiberpo-check COMMAND [options])", "",
             "commands:"]
    lines += [f"  {name:<12} {text}" for name, text in COMMANDS.items()]
    lines += ["", "options:", "  -h, --help   this list; `COMMAND --help` describes a command and its options",
              "  --version    the toolkit's version"]
    return "\n".join(lines)


def version() -> str:
    """The installed toolkit's version (from its package metadata)."""
    try:
        return metadata.version("fiberpo-check")
    except metadata.PackageNotFoundError:
        return "unknown (not installed; run `make venv`)"


def main(argv: list[str] | None = None) -> int:
    """Dispatch to fiberpo_check.cli.<command>.main(rest_of_argv); exit status 2 on usage errors."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"fiberpo-check {version()}")
        return 0
    command, rest = argv[0], argv[1:]
    if not sys.stderr.isatty():  # logs, CI, pipes: progress as lines, not redrawn bars (tqdm reads TQDM_*)
        os.environ.setdefault("TQDM_DISABLE", "1")
    if command not in COMMANDS:
        print(f"unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    return int(importlib.import_module(f"fiberpo_check.cli.{command}").main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())

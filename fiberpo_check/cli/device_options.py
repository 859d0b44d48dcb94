"""Shared --device / --dtype options of the numeric check commands (CPU and float64 by default)."""

from __future__ import annotations

import argparse

import torch

DTYPES = {"float64": torch.float64, "float32": torch.float32}


def add_device_options(parser: argparse.ArgumentParser) -> None:
    """Add --device (cpu, cuda, cuda:N or auto) and --dtype (float64 or float32)."""
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N, or auto (cuda when present)")
    parser.add_argument("--dtype", default="float64", choices=sorted(DTYPES), help="probe dtype (default float64)")


def resolve_device(name: str) -> str:
    """The torch device string to use; ValueError naming --device when it cannot be used here."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device: {name!r} requested but no CUDA device is available")
    try:
        torch.device(name)
    except RuntimeError as error:
        raise ValueError(f"--device: {name!r} is not a torch device ({error})") from error
    return name


def parse_or_status(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """parse_args, but return argparse's exit status (2 on usage errors, 0 for --help) instead of exiting."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)

"""`python -m fiberpo_check bench`: FiberPO / FiberPO-Domain loss cost against GRPO; writes results/bench.json.

`bench --lm [--preset default]`: tiny-LM RL tokens/s of the current loop against the loop before the speed-up (cached
generation, separate rollout log-prob pass) and against that loop without the KV cache, on the preset's task and model;
writes results/bench_lm.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import torch

from fiberpo_check.empirical.bench import MODES, SHAPES, rl_tokens_per_second, run_bench
from fiberpo_check.empirical.experiments.presets import PRESETS, preset

TARGETS = {"ratio_vs_grpo": 1.25, "peak_mem_ratio": 1.5}  # eager memory target; compiled: time only


def shape_list(text: str) -> list[tuple[int, int]]:
    """'256x4096,64x16384' -> [(256, 4096), (64, 16384)]."""
    try:
        return [tuple(int(n) for n in item.split("x")) for item in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shapes: expected BxT[,BxT...], got {text!r}") from None


def verdict(row: dict) -> str:
    """'ok' when the row meets its targets (time for every mode, memory for eager), else what it misses."""
    if row["name"] in ("grpo", "floor"):
        return ""
    misses = [f"time {row['ratio_vs_grpo']}x"] if row["ratio_vs_grpo"] > TARGETS["ratio_vs_grpo"] else []
    if row["mode"] == "eager" and row["peak_mem_ratio"] > TARGETS["peak_mem_ratio"]:
        misses.append(f"memory {row['peak_mem_ratio']}x")
    return "ok" if not misses else "MISSES " + ", ".join(misses)


def main(argv: list[str]) -> int:
    """Run the benchmark, print a table, write the JSON rows (with machine and version information)."""
    parser = argparse.ArgumentParser(prog="python -m fiberpo_check bench", description=__doc__)
    parser.add_argument("--shapes", type=shape_list, default=list(SHAPES), help="BxT list (default 256x4096,64x16384)")
    parser.add_argument("--modes", default=",".join(MODES), help="eager,compiled")
    parser.add_argument("--repeats", type=int, default=9, help="timed rounds per variant; the median is reported")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first (compilation happens here)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: stable on shared cores)")
    parser.add_argument("--out", type=Path, default=None, help="results/bench.json (results/bench_lm.json with --lm)")
    parser.add_argument("--lm", action="store_true", help="tiny-LM RL tokens/s: the current loop against the prior loop (and uncached)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default", help="LM preset of --lm")
    parser.add_argument("--steps", type=int, default=2, help="RL steps per timed round of --lm")
    args = parser.parse_args(argv)
    if args.lm:
        return main_lm(args)
    args.out = args.out or Path("results/bench.json")
    modes = tuple(m for m in args.modes.split(",") if m)
    if not set(modes) <= set(MODES) or args.repeats < 1 or args.threads < 1:
        parser.error(f"--modes must be a subset of {MODES}, --repeats and --threads >= 1")
    torch.set_num_threads(args.threads)
    rows = run_bench(args.shapes, modes, args.repeats, args.warmup)
    print(f"{'name':<15} {'shape':<12} {'mode':<9} {'ms':>9} {'vs grpo':>8} {'peak mem':>9} {'x floor':>8}  target")
    for row in rows:
        ratio = "" if row["ratio_vs_grpo"] is None else f"{row['ratio_vs_grpo']:.3f}"
        mem = "" if row["peak_mem_ratio"] is None else f"{row['peak_mem_ratio']:.3f}"
        shape = "x".join(map(str, row["shape"]))
        print(f"{row['name']:<15} {shape:<12} {row['mode']:<9} {row['ms']:>9.2f} {ratio:>8} {mem:>9} {row['x_floor']:>8.1f}  {verdict(row)}")
    meta = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "repeats": args.repeats,
        "method": "ms: median over interleaved rounds; ratios: median of per-round ratios; peak: profiler alloc events",
        "targets": TARGETS,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "meta": meta}, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


def main_lm(args: argparse.Namespace) -> int:
    """The --lm mode: one benchmark run, a two-line table, the JSON row."""
    if args.repeats < 1 or args.threads < 1 or args.steps < 1:
        raise SystemExit("--repeats, --threads and --steps must be >= 1")
    torch.set_num_threads(args.threads)
    row = rl_tokens_per_second(preset(args.preset)["lm"], args.steps, args.repeats, args.warmup)
    print(f"tiny-LM RL ({args.preset} preset), {row['parameters']} parameters, {args.steps} FiberPO steps per round, "
          f"mean response {row['mean_response_length']:.1f} tokens, {row['rl_tokens']} tokens per round")
    print("prior loop:    KV-cached generation, a teacher-forced pass for the rollout log-probs, minibatches padded to "
          "the batch's longest response, tensor-by-tensor Adam (the loop before the speed-up)")
    print("uncached loop: the prior loop with generation recomputing the whole prefix per token")
    print("current loop:  KV-cached generation whose logits give the rollout log-probs, minibatches cut after their "
          "longest response, fused Adam")
    print(f"{'loop':<15} {'tokens/s':>10}")
    speedups = {"prior": row["speedup_vs_prior"], "uncached": row["speedup_vs_uncached"]}
    for loop, rate in row["tokens_per_s"].items():
        ratio = f"   current is x{speedups[loop]:.2f} faster (median per-round ratio)" if loop in speedups else ""
        print(f"{loop:<15} {rate:>10.1f}{ratio}")
    print(f"{row['rounds']} rounds")
    print(f"same histories (float32 tolerance): {row['same_run']}; load average {os.getloadavg()[0]:.1f}")
    out = args.out or Path("results/bench_lm.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"torch": torch.__version__, "threads": torch.get_num_threads(), "preset": args.preset,
            "machine": platform.processor() or platform.machine(), "load_average": list(os.getloadavg())}
    out.write_text(json.dumps({"row": row, "meta": meta}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0

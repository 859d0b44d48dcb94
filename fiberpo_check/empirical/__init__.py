"""The empirical side: training loops, experiments, benchmarks (the environments are in fiberpo_check.envs)."""

"""The empirical side: environments, training loops, experiments, benchmarks."""

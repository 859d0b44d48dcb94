"""Experiments: presets, config-hashed result cache, bandit and tiny-LM runs, summaries and verdicts."""

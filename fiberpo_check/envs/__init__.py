"""Environments: bandits, an enumerable tree policy, tiny-LM tasks."""

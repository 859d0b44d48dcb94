"""Environments shared by the producers: bandits, an enumerable tree policy, tiny-LM tasks."""

"""Training loops: bandit policy iteration and tiny-LM RL."""

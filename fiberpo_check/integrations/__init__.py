"""Drop-in integrations with RL trainers (verl, TRL); each imports its framework lazily."""

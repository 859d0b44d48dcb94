"""A tiny GPT and synthetic verifiable tasks (reversal, sorting, addition), one domain per task."""

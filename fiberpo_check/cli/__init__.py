"""One module per command of `python -m fiberpo_check`; each exposes main(argv) -> exit status."""

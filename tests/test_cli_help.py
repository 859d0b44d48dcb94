"""Every command and every option of the command line has help text; --version prints the version."""

import argparse
import importlib

import pytest

from fiberpo_check.__main__ import COMMANDS, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_has_help(command, monkeypatch, capsys):
    missing = []
    add_argument = argparse.ArgumentParser.add_argument

    def recording(self, *names, **kwargs):
        if not kwargs.get("help") and names and names[0].startswith("-"):
            missing.append(names[0])
        return add_argument(self, *names, **kwargs)

    monkeypatch.setattr(argparse.ArgumentParser, "add_argument", recording)
    module = importlib.import_module(f"fiberpo_check.cli.{command}")
    try:
        status = module.main(["--help"])
    except SystemExit as stop:
        status = stop.code
    assert status == 0
    out = capsys.readouterr().out
    assert not missing, f"{command}: options without help {missing}"
    assert len(out.split("options:", 1)[0].strip().splitlines()) >= 2, f"{command}: no description"


def test_version_and_usage(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("fiberpo-check ")
    assert main(["--help"]) == 0
    assert "--version" in capsys.readouterr().out


def test_figures_presets_are_the_experiment_presets():
    from fiberpo_check.cli.figures import parse
    from fiberpo_check.empirical.experiments.presets import PRESETS

    for name in PRESETS:
        assert parse(["--preset", name]).preset == name

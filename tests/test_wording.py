"""What users read names things as they know them.

The derivation the project follows is "the backpropagation notation" and "the four
backpropagation equations" (Nielsen, *Neural Networks and Deep Learning*, ch. 2). An in-house
name for it (the pattern `IN_HOUSE_NAME` below) once leaked into the README, docstrings,
notebooks and help; it means nothing to a user and collides with the `seed` argument of the
random generators, which stays.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autodiff_cli.main import main

ROOT = Path(__file__).parent.parent
SHIPPED = ["README.md", "autodiff/*.py", "nn/*.py", "autodiff_cli/*.py", "notebooks/*.ipynb",
           "docs/*.py", "docs/*.svg"]
COMMANDS = ["demo", "graph", "check", "notebooks"]
WORD = "seeds"  # the in-house name is "the" and this word; spelled once, here
IN_HOUSE_NAME = re.compile(rf"\b{WORD}['’]|\bthe {WORD}\b", re.IGNORECASE)


@pytest.mark.parametrize("text", [
    f"written in the {WORD}' notation", f"as in the {WORD}.", f"the equations of the {WORD}",
    f"The {WORD.title()}’ C_0",
])
def test_the_derivations_in_house_name_is_recognised(text):
    assert IN_HOUSE_NAME.search(text)


@pytest.mark.parametrize("text", [
    "seed=0", "autodiff check [--seed S]", "seed of the network, sample and target",
    "test_seeded_initialisation", "two seeds give two networks",
])
def test_the_random_seed_is_not_mistaken_for_it(text):
    assert not IN_HOUSE_NAME.search(text)


def test_no_shipped_file_uses_the_in_house_name():
    files = [path for pattern in SHIPPED for path in sorted(ROOT.glob(pattern))]
    assert len(files) > 30 and ROOT / "README.md" in files
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if IN_HOUSE_NAME.search(line)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)])
def test_no_help_text_uses_the_in_house_name(capsys, command):
    with pytest.raises(SystemExit) as exit:
        main([*command, "--help"])
    help_text = capsys.readouterr().out
    assert exit.value.code == 0 and "usage: autodiff" in help_text
    assert not IN_HOUSE_NAME.search(help_text), help_text

"""The parser behind the docs-commands tests finds what a user would copy, and refuses a page
whose marks it cannot place, so that no command escapes its test unnoticed."""

from __future__ import annotations

import pytest
from readme_commands import text_commands

PAGE = """# A page

    python train.py model/attention=additive   # a comment
    logs/train/runs/<date>_<time>/

```bash
OMP_NUM_THREADS=2 python train.py experiment=g2p \\
    trainer.max_epochs=2
pip uninstall -y plugboard && pip install -e ".[dev]"
```

```python
python = "train.py"  # code, not a command
```

<!-- not run here: needs a SLURM cluster -->

    srun python train.py trainer=ddp
    torchrun --nnodes 2 --master-port 29500 train.py trainer=ddp

Prose between blocks.

    python compare.py logs/train/multiruns/<date>_<time> [more sweep dirs]
"""


def test_commands_of_indented_and_shell_blocks_are_found_and_code_and_output_are_not():
    found = [(c.line, c.script, c.arguments) for c in text_commands(PAGE, "page.md")]
    assert found == [
        (3, "train.py", ("model/attention=additive",)),
        (7, "train.py", ("experiment=g2p", "trainer.max_epochs=2")),
        (9, None, ("uninstall", "-y", "plugboard")),
        (9, None, ("install", "-e", ".[dev]")),
        (18, "train.py", ("trainer=ddp",)),
        (19, "train.py", ("trainer=ddp",)),
        (23, "compare.py", ("logs/train/multiruns/<date>_<time>",)),
    ]


def test_a_marked_block_says_why_and_the_blocks_around_it_are_unmarked():
    reasons = {c.line: c.not_run_here for c in text_commands(PAGE, "page.md")}
    assert reasons == {
        3: None,
        7: None,
        9: None,
        18: "needs a SLURM cluster",
        19: "needs a SLURM cluster",
        23: None,
    }


def test_settings_and_launchers_lead_to_the_entry_point():
    commands = {c.line: c for c in text_commands(PAGE, "page.md")}
    assert (commands[7].program, commands[7].launcher) == ("python", None)
    assert (commands[18].launcher, commands[19].launcher) == ("srun", "torchrun")


@pytest.mark.parametrize(
    "text",
    [
        "<!-- not run here: needs a GPU -->\n\nProse, not a block.\n\n    python train.py trainer=gpu\n",
        "Prose.\n\n<!-- not run here: needs a GPU -->\n",
    ],
    ids=["before prose", "at the end"],
)
def test_a_mark_that_marks_no_code_block_stops_the_tests(text: str):
    with pytest.raises(ValueError, match="not run here"):
        text_commands(text, "page.md")


def test_a_command_the_shell_cannot_split_stops_the_tests():
    with pytest.raises(ValueError, match="page.md:3: the shell cannot split"):
        text_commands("Try:\n\n    python train.py 'data.path=a b\n", "page.md")

"""Every code block of README.md runs as written.

``python`` blocks run in a fresh interpreter; ``bash`` blocks run with ``bash -e`` and this
environment's ``pnp`` first on PATH. Both run in a temporary folder that links the repository's
``experiments/`` (case files), so nothing is written into the clone. The first block (install,
demo, tests) is run by CI itself (``.ci/run``), not here. Blocks in other languages (``text``:
command synopses and layouts) are documentation, not commands. These tests are ``slow`` (each
block solves real cases: 15–80 s, the design and batch blocks a few minutes); CI runs them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def readme_blocks() -> list[tuple[str, str, str]]:
    """(id, language, code) of every fenced block of README.md after the first (the setup)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = []
    for index, match in enumerate(FENCE.finditer(text)):
        language, code = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        blocks.append((f"block{index}-line{line}-{language or 'plain'}", language, code))
    return blocks[1:]


def test_every_block_has_a_language():
    """A fence without a language cannot be classified as runnable or not; say which it is."""
    assert all(language for _, language, _ in readme_blocks()), \
        "give every README code block a language: python, bash (both run in CI) or text"


def test_the_first_block_is_the_install_and_test_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = FENCE.search(text)
    assert first.start() == 0 and first.group(1) == "bash"
    commands = first.group(2).strip().splitlines()
    assert len(commands) == 2 and commands[0].endswith("pnp demo") and commands[1].endswith("pytest")
    ci_commands = [line.split("#")[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    demo = commands[0].split("&&")[-1].strip()
    assert commands[1] in ci_commands and demo in ci_commands, "CI must run the README's demo and test commands"


RUNNABLE = [pytest.param(language, code, id=name) for name, language, code in readme_blocks()
            if language in ("python", "bash")]


@pytest.mark.slow
@pytest.mark.parametrize("language, code", RUNNABLE)
def test_readme_block_runs(language, code, tmp_path):
    (tmp_path / "experiments").symlink_to(ROOT / "experiments")
    environment = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                       MPLBACKEND="Agg")
    command = [sys.executable, "-c", code] if language == "python" else ["bash", "-e", "-c", code]
    result = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, f"README block failed:\n{code}\n--- stderr ---\n{result.stderr[-4000:]}"

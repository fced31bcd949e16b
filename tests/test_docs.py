"""The README is checked against the code: every `briefwatch ...` command it shows exists, and the two set-up
commands are the Makefile's."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefwatch.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, ...]]:
    found = set()
    for m in re.finditer(r"(?<![\w/-])briefwatch((?: [a-z][a-z-]*){1,2})", README):
        words = tuple(m.group(1).split())
        found.add(words)
    return sorted(found)


def _resolve(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """The longest prefix of ``words`` that names a command (the rest are arguments)."""
    group, path = cli, []
    for w in words:
        cmds = getattr(group, "commands", None)
        if not cmds or w not in cmds:
            break
        group = cmds[w]
        path.append(w)
    return tuple(path) or None


@pytest.mark.parametrize("words", _commands(), ids=lambda w: " ".join(w))
def test_readme_commands_exist(words):
    path = _resolve(words)
    # prose like "briefwatch runs unattended" is not a command; every code-like mention must resolve
    if path is None:
        assert words[0] not in {
            "run",
            "crawl",
            "extract",
            "alerts",
            "directives",
            "serve",
            "export",
            "status",
        }
        return
    res = CliRunner().invoke(cli, [*path, "--help"])
    assert res.exit_code == 0, res.output


def test_readme_has_exactly_the_two_setup_commands():
    setup = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    cmds = [ln.strip() for ln in setup.splitlines() if ln.startswith("    ")]
    assert cmds == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

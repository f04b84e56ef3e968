"""README's examples, read as the test suite runs them.

Conventions (so a reader can copy any block and get what it shows):
- A ```yaml/```json/```toml/```ini block whose first line is a comment naming a file
  (``# fixtures/x_test.yml``) shows that file: if the repository has it, the block must be in it
  verbatim (comments and the ``yaml-language-server`` line aside); otherwise it is written into
  the example project before the commands run.
- A ```console/```text block with ``$ command`` lines runs each command in the example project
  and compares what it prints (stdout then stderr) with the lines shown under it.
- A ```sh block's ``ruletest`` commands (``&&``-chains split) must run and exit 0, or the status
  a trailing ``# exit N`` comment gives. Installing (venv, pip, ``bash .ci/run``) is what CI
  itself does, so those commands are not run again here.
- A ```python block runs in the example project (blocks defining ``test_*`` functions run under
  pytest).
- ``<!-- readme-test: skip REASON -->`` before a block leaves it out; REASON must name the test
  that runs the same thing, as ``tests/FILE.py::test_name``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.needs import REPO

README = REPO / "README.md"
_FENCE = re.compile(r"^```(\w*)\s*$")
_SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s+(.*?)\s*-->")


@dataclass(frozen=True)
class Block:
    lang: str
    text: str
    line: int  # of the opening fence
    skip: str | None  # the reason, when marked to skip

    @property
    def names_file(self) -> str | None:
        first = self.text.split("\n", 1)[0].strip()
        m = re.fullmatch(r"(?:#|//|;)\s*([\w./-]+\.(?:ya?ml|json|toml|ini|tmpl|txt))", first)
        return m.group(1) if m else None

    @property
    def id(self) -> str:
        return f"README.md:{self.line}:{self.lang}"


def blocks(text: str | None = None) -> list[Block]:
    lines = (text if text is not None else README.read_text(encoding="utf-8")).split("\n")
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m and m.group(1):
            start = i
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            skip = None
            for k in range(start - 1, max(start - 4, -1), -1):
                s = _SKIP.search(lines[k])
                if s:
                    skip = s.group(1)
                    break
            out.append(Block(m.group(1), "\n".join(lines[start + 1:j]), start + 1, skip))
            i = j + 1
        else:
            i += 1
    return out


@dataclass(frozen=True)
class Command:
    command: str
    expected: list[str]  # the lines shown after it


def console_commands(block: Block) -> list[Command]:
    out: list[Command] = []
    for line in block.text.split("\n"):
        if line.startswith("$ "):
            out.append(Command(line[2:], []))
        elif out:
            out[-1].expected.append(line)
    return out


_ENVIRONMENT = ("python3 -m venv", "python -m venv", ". .venv/bin/activate", "source .venv/bin/activate", "pip install",
                "bash .ci/run", "python -m pip")


def shell_commands(block: Block) -> list[tuple[str, int]]:
    """(command, expected exit status) for every ruletest command of a ```sh block."""
    out = []
    for raw in block.text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        status = 0
        m = re.search(r"#\s*exit\s+(\d+)\s*$", line)
        if m:
            status = int(m.group(1))
        line = re.sub(r"\s+#.*$", "", line)
        for part in (p.strip() for p in line.split("&&")):
            if part.startswith(_ENVIRONMENT) or not part:
                continue
            out.append((part, status))
    return out


def strip_comments(text: str) -> str:
    """A file's content without whole-line comments (modelines, explanations)."""
    return "\n".join(ln for ln in text.split("\n") if not ln.lstrip().startswith("#")).strip()


def in_file(block: Block, path: Path) -> bool:
    shown = strip_comments(block.text.split("\n", 1)[1] if "\n" in block.text else "")
    return shown in strip_comments(path.read_text(encoding="utf-8"))

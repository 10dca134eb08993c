"""Checkers for the README and docs/ (tests/test_docs.py): each takes markdown text and returns what is wrong.

Pure functions on text, so each test can show its checker failing on a bad snippet before it passes the
real files.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lab.cli import build_parser

FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^`\s]*)")
SHELL_BLOCKS = {"", "sh", "bash", "shell", "console", "zsh"}  # un-prompted lines of these are commands
ENV_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
OPERATORS = {"&&", "||", ";", "|", "&"}
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_PATH = re.compile(r"(?<![\w./$-])((?:tests|lab|bench)/[\w./*-]*)")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its info string (language) and its lines, each with its line number."""

    info: str
    lines: list[tuple[int, str]]


def blocks(text: str) -> Iterator[Block]:
    """Every fenced code block of `text` (closed or not)."""
    fence: tuple[str, int] | None = None
    info = ""
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        found = FENCE.match(line)
        if fence is None:
            if found:
                fence = (found.group(1)[0], len(found.group(1)))
                info, lines = found.group(2).lower(), []
            continue
        if _closes(found, fence):
            yield Block(info, lines)
            fence = None
        else:
            lines.append((number, line))
    if fence is not None:
        yield Block(info, lines)


def _closes(found: re.Match[str] | None, fence: tuple[str, int]) -> bool:
    """Whether a fence line closes the block `fence` opened: the same character, at least as many, no info."""
    if found is None or found.group(2):
        return False
    return found.group(1)[0] == fence[0] and len(found.group(1)) >= fence[1]


def _outside_code(text: str) -> Iterator[tuple[int, str]]:
    """The lines outside fenced code blocks (the fences themselves excluded), with their numbers."""
    fence: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        found = FENCE.match(line)
        if fence is None and found:
            fence = (found.group(1)[0], len(found.group(1)))
        elif fence is not None:
            if _closes(found, fence):
                fence = None
        else:
            yield number, line


def prose(text: str) -> Iterator[tuple[int, str]]:
    """The lines outside fenced code blocks, inline code removed: what renders as text and links."""
    for number, line in _outside_code(text):
        yield number, INLINE_CODE.sub("", line)


def command_lines(text: str) -> list[tuple[int, list[str]]]:
    """Every `lab ...` command written in a code block: (line, its arguments after `lab`).

    Prompted lines (`$ lab ...`) count in any block; un-prompted ones in shell blocks only (output shown in
    a `text` block is not a command). Env-var prefixes, `\\` continuations, trailing comments, `&&`, `;`,
    `|` and a trailing `&` are handled as a shell would.
    """
    found: list[tuple[int, list[str]]] = []
    for block in blocks(text):
        pending: tuple[int, str] | None = None
        for number, line in block.lines:
            start, joined = pending if pending else (number, "")
            joined += line.rstrip()
            if joined.endswith("\\"):
                pending = (start, joined[:-1] + " ")
                continue
            pending = None
            stripped = joined.strip()
            prompted = stripped.startswith("$ ")
            if not prompted and block.info not in SHELL_BLOCKS:
                continue
            found.extend((start, argv) for argv in _lab_commands(stripped.removeprefix("$ ")))
    return found


def _lab_commands(line: str) -> Iterator[list[str]]:
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:  # an unbalanced quote: not a shell line (the parser cannot be asked about it)
        return
    command: list[str] = []
    for token in [*tokens, ";"]:
        if token not in OPERATORS:
            command.append(token)
            continue
        while command and ENV_PREFIX.match(command[0]):
            command.pop(0)
        if command and (command[0] == "lab" or command[0].endswith("/bin/lab")):
            yield command[1:]
        command = []


def parse_error(argv: list[str]) -> str | None:
    """What `lab`'s real argument parser says about `argv` (None: it parses, silently). Nothing is run.

    A warning counts as an error: an old spelling kept working for a release must not stay in the docs.
    """
    err = io.StringIO()
    with (
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        try:
            build_parser().parse_args(argv)
        except SystemExit as exit_:
            said = err.getvalue().strip()
            return said.splitlines()[-1] if said else f"exit {exit_.code}"
    said = "; ".join([*(str(w.message) for w in caught), *err.getvalue().strip().splitlines()])
    return said or None


def hidden_text(text: str) -> list[str]:
    """Markdown that would hide what follows it: a `<!--` never closed, a code fence never closed."""
    problems: list[str] = []
    fence: tuple[str, int, int] | None = None
    comment_at: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        rest = line
        if comment_at is not None:
            end = rest.find("-->")
            if end < 0:
                continue
            comment_at, rest = None, rest[end + 3 :]
        found = FENCE.match(rest)
        if fence is not None:
            if _closes(found, fence[:2]):
                fence = None
            continue
        if found:
            fence = (found.group(1)[0], len(found.group(1)), number)
            continue
        rest = INLINE_CODE.sub("", rest)
        while (start := rest.find("<!--")) >= 0:
            end = rest.find("-->", start + 4)
            if end < 0:
                comment_at = number
                break
            rest = rest[end + 3 :]
    if comment_at is not None:
        problems.append(f"line {comment_at}: `<!--` is never closed: everything after it is hidden")
    if fence is not None:
        problems.append(f"line {fence[2]}: a code fence is never closed: everything after it is code")
    return problems


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text, lower case, punctuation dropped, spaces as `-`."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").replace("*", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading anchor of a markdown page, as GitHub makes them (a repeated one gets `-1`, `-2`, ...)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in _headings(text):
        slug = github_slug(line)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def _headings(text: str) -> Iterator[tuple[int, str]]:
    for number, line in _outside_code(text):
        if heading := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line):
            yield number, heading.group(1)


def broken_links(page: Path) -> list[str]:
    """Every relative link or `#anchor` of `page` whose file or heading does not exist."""
    problems = []
    text = page.read_text(encoding="utf-8")
    for number, line in prose(text):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path) if path else page
            if not linked.exists():
                problems.append(f"{page.name}:{number}: {target}: no file {linked}")
            elif (
                anchor
                and linked.suffix == ".md"
                and anchor not in anchors(linked.read_text(encoding="utf-8"))
            ):
                problems.append(f"{page.name}:{number}: {target}: no heading #{anchor} in {linked.name}")
    return problems


def missing_paths(text: str, root: Path) -> list[str]:
    """Every `tests/...`, `lab/...` or `bench/...` path written in `text` that does not exist under `root`."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for written in CODE_PATH.findall(line):
            path = written.rstrip(".")
            exists = any(root.glob(path)) if "*" in path else (root / path).exists()
            if not exists:
                problems.append(f"line {number}: {path} does not exist")
    return problems

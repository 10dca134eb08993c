"""The README and docs/ as a reader gets them (issue 26 §2): the site builds strictly, every written `lab`
command parses, nothing is hidden, every link and path resolves, the facts stated match the code.

Each check is first shown failing on a bad snippet, then run on the real files.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lab.shared.scenarios import LOCUSTFILES, SCENARIOS
from tests import docs_support as docs

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _tracked_markdown() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    # Outside a git checkout (an unpacked sdist), every markdown file of the tree.
    found = [ROOT / name for name in listed] or [
        p for p in ROOT.rglob("*.md") if not {".venv", "site", "results", ".lab"} & set(p.parts)
    ]
    return [p for p in found if p.is_file()]


def _mkdocs(config_dir: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    return subprocess.run(command, cwd=config_dir, env=env, capture_output=True, text=True, timeout=120)


# --- the site -------------------------------------------------------------------------------------------


def test_the_site_builds_strictly_and_lists_every_page(tmp_path: Path) -> None:
    done = _mkdocs(ROOT, tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s*- [^:]+: (\S+\.md)\s*$", nav, re.MULTILINE))
    assert listed == {p.name for p in (ROOT / "docs").glob("*.md")}


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ("[the scenarios](locust.md#no-such-heading)", "does not contain an anchor '#no-such-heading'"),
        ("[a page](no-such-page.md)", "'no-such-page.md', but the target is not found"),
    ],
)
def test_a_broken_link_or_anchor_fails_the_build(tmp_path: Path, bad: str, said: str) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "docs", copy / "docs")
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    with (copy / "docs" / "index.md").open("a", encoding="utf-8") as page:
        page.write(f"\n{bad}\n")

    done = _mkdocs(copy, tmp_path / "site")

    assert done.returncode != 0
    assert said in done.stdout + done.stderr


# --- every written `lab` command parses -----------------------------------------------------------------

BAD_SNIPPET = """
```sh
$ LAB_CONFIGS=x.toml lab compare --users 5 \\
    --no-such-flag 3     # a flag that was renamed
.venv/bin/lab configs && lab serve uvicorn-single --port 8000 &
```

```text
lab up: uvicorn-single (output, not a command)
```
"""


def test_commands_are_found_as_a_shell_reads_them_and_a_bad_flag_is_named() -> None:
    found = docs.command_lines(BAD_SNIPPET)

    assert found == [
        (3, ["compare", "--users", "5", "--no-such-flag", "3"]),
        (5, ["configs"]),
        (5, ["serve", "uvicorn-single", "--port", "8000"]),
    ]
    assert "unrecognized arguments: --no-such-flag 3" in (docs.parse_error(found[0][1]) or "")
    assert docs.parse_error(found[1][1]) is None
    assert docs.parse_error(["no-such-command"]) is not None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_lab_command_in_the_docs_parses(page: Path) -> None:
    found = docs.command_lines(page.read_text(encoding="utf-8"))
    failures = [
        f"{page.relative_to(ROOT)}:{line}: lab {' '.join(argv)}: {error}"
        for line, argv in found
        if (error := docs.parse_error(argv)) is not None
    ]
    assert failures == []


def test_the_readme_shows_the_main_commands() -> None:
    found = {argv[0] for _, argv in docs.command_lines((ROOT / "README.md").read_text(encoding="utf-8"))}
    assert {"compare", "up", "diff", "report", "configs"} <= found


# --- nothing hidden -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# T\n\n<!-- a draft\n\n## hidden\n", "line 3: `<!--` is never closed"),
        ("# T\n\nok <!-- closed --> then <!-- not\n", "line 3: `<!--` is never closed"),
        ("# T\n\n```sh\nlab configs\n\n## hidden\n", "line 3: a code fence is never closed"),
        ("# T\n\n````md\n```\n````\n\n```\n", "line 7: a code fence is never closed"),
    ],
)
def test_markdown_that_hides_text_is_found(text: str, problem: str) -> None:
    assert any(p.startswith(problem) for p in docs.hidden_text(text)), docs.hidden_text(text)


def test_comments_and_fences_that_close_or_sit_in_code_hide_nothing() -> None:
    text = "a `<!--` in code\n<!-- one\nline -->\n```\n<!-- in a block\n```\n~~~\n```\n~~~\n"
    assert docs.hidden_text(text) == []


@pytest.mark.parametrize("page", _tracked_markdown(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_tracked_markdown_hides_text(page: Path) -> None:
    assert docs.hidden_text(page.read_text(encoding="utf-8")) == []


# --- links and paths ------------------------------------------------------------------------------------


def test_github_anchors() -> None:
    assert docs.github_slug("Binding: 127.0.0.1 unless told") == "binding-127001-unless-told"
    assert docs.github_slug("Watch it live: `lab up --app`") == "watch-it-live-lab-up---app"
    assert docs.anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_a_broken_readme_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# Page\n\n## Some part\n")
    (tmp_path / "README.md").write_text(
        "# R\n\n## Here\n\n[ok](docs/page.md#some-part) [ok](#here) [web](https://example.org/x)\n"
        "`[in code](nowhere.md)`\n[gone](docs/gone.md) [no anchor](docs/page.md#other) [self](#there)\n"
    )

    assert docs.broken_links(tmp_path / "README.md") == [
        f"README.md:7: docs/gone.md: no file {tmp_path / 'docs' / 'gone.md'}",
        "README.md:7: docs/page.md#other: no heading #other in page.md",
        "README.md:7: #there: no heading #there in README.md",
    ]


def test_every_link_and_anchor_of_the_readme_resolves() -> None:
    # The README is outside the site (mkdocs checks docs/ itself): checked here, as GitHub renders it.
    assert docs.broken_links(ROOT / "README.md") == []


def test_a_path_that_does_not_exist_is_found() -> None:
    text = "see `tests/test_docs.py`, lab/cli.py and bench/\nand tests/no_such_test.py, lab/nothing/*.py.\n"
    assert docs.missing_paths(text, ROOT) == [
        "line 2: tests/no_such_test.py does not exist",
        "line 2: lab/nothing/*.py does not exist",
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_path_the_docs_name_exists(page: Path) -> None:
    assert docs.missing_paths(page.read_text(encoding="utf-8"), ROOT) == []


# --- facts stated in the docs match the code ------------------------------------------------------------


def _user_classes_of_the_locustfiles() -> set[str]:
    """The Locust User classes the lab's locustfiles define (`lab up` offers them all), read from source."""
    found = set()
    for path in LOCUSTFILES.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and node.name.endswith("User") and node.bases:
                found.add(node.name)
    return found


def test_locust_md_states_the_number_of_user_classes_the_code_has() -> None:
    classes = _user_classes_of_the_locustfiles()
    assert classes == {s.user_class for s in SCENARIOS.values()}
    text = (ROOT / "docs" / "locust.md").read_text(encoding="utf-8")
    stated = re.findall(r"all (\d+) under `lab up`", text)
    assert stated == [str(len(classes))]


def test_locust_md_lists_every_scenario_and_its_parameter() -> None:
    text = (ROOT / "docs" / "locust.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z-]+)`\s*\|.*$", text, re.MULTILINE)}
    assert set(SCENARIOS) <= set(rows), set(SCENARIOS) - set(rows)
    for name, scenario in SCENARIOS.items():
        assert f"`{scenario.user_class}`" in rows[name], rows[name]
        if name != "mixed":
            assert all(f"`{p.option}`" in rows[name] for p in scenario.parameters), rows[name]
        for p in scenario.parameters:
            assert f"`{p.option}`" in text and f"`{p.env_var}`" in text, p.option

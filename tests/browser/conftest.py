"""A real browser for the tests: Debian's chromium, driven headless by Playwright for Python.

Playwright's own browser download is never used (these machines reach no such host): the executable is
the one scripts/ensure-test-tools.sh installs, found on PATH. Missing, the tests fail and say how to get it.
Each test gets a `Tab`: the page, what its console said and which URLs it asked for; after the test its
screenshot is saved in the test's tmp directory, and a failure names the file.
"""

from __future__ import annotations

import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request, ViewportSize, sync_playwright

VIEWPORT: ViewportSize = {"width": 1400, "height": 1000}


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "no `chromium` on PATH: the browser tests drive Debian's chromium. Run "
            "scripts/ensure-test-tools.sh as root (it runs `apt-get install chromium`), or `make test`, "
            "which runs it.",
            pytrace=False,
        )
    return found


@dataclass
class Tab:
    page: Page
    screenshot: Path
    console: list[str] = field(default_factory=list)  # "type: text" of every console message
    errors: list[str] = field(default_factory=list)  # uncaught exceptions of the page's scripts
    requests: list[str] = field(default_factory=list)  # every URL the page asked for

    def problems(self) -> list[str]:
        """Console errors and warnings, and uncaught exceptions: a page a person opens shows none."""
        said = [m for m in self.console if m.startswith(("error:", "warning:"))]
        return said + [f"uncaught: {e}" for e in self.errors]


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in this thread while it
# is started, and every later test that calls asyncio.run() would fail ("cannot be called from a running
# event loop"). Ending it with each browser module keeps the rest of the suite free of it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def tab(browser: Browser, tmp_path: Path) -> Iterator[Tab]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    opened = Tab(page, tmp_path / "screenshot.png")

    def on_console(message: ConsoleMessage) -> None:
        opened.console.append(f"{message.type}: {message.text}")

    def on_request(request: Request) -> None:
        opened.requests.append(request.url)

    def on_error(error: Error) -> None:
        opened.errors.append(str(error))

    page.on("console", on_console)
    page.on("request", on_request)
    page.on("pageerror", on_error)
    yield opened
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """After the test body: the page as it is then, saved; a failure's report names the file."""
    report = yield
    opened = getattr(item, "funcargs", {}).get("tab")
    if report.when == "call" and isinstance(opened, Tab):
        try:
            opened.page.screenshot(path=opened.screenshot, full_page=True)
            saved = f"screenshot: {opened.screenshot}"
        except Error as exc:
            saved = f"no screenshot ({exc})"
        if report.failed:
            report.sections.append(("browser", saved))
    return report

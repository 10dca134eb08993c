"""lab/loadgen/lab_endpoint.py under plain Locust: headless with no valid --lab-endpoint, it exits 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lab.shared.scenarios import ENDPOINT_LOCUSTFILE
from tests.locust_support import REPO

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("spec", "reason"), [("", "expected METHOD /path"), ("FETCH /items/1", "method 'FETCH' is not one of")]
)
def test_headless_without_a_valid_endpoint_exits_2(spec: str, reason: str) -> None:
    command = [
        sys.executable, "-m", "locust", "-f", str(ENDPOINT_LOCUSTFILE), "--headless", "--run-time", "5s",
        "--host", "http://127.0.0.1:9", "--metrics-port", "0", "--lab-endpoint", spec,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert reason in done.stderr

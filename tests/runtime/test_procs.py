"""lab.runtime.procs: what a failed start says about the child's log."""

from __future__ import annotations

from pathlib import Path

from lab.runtime.procs import Child


def test_the_log_tail_keeps_the_first_error_that_the_server_pushed_out(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    app_error = ["Traceback (most recent call last):", '  File "app.py", line 5', "RuntimeError: no database"]
    halt = [f"  gunicorn frame {i}" for i in range(20)] + ["gunicorn.errors.HaltServer: <HaltServer 3>"]
    log.write_text("\n".join(["[INFO] Booting worker", *app_error, *halt]) + "\n")
    tail = Child(log).log_tail()
    assert "first error: RuntimeError: no database" in tail  # the app's, though 21 lines came after it
    assert tail.rstrip().endswith("gunicorn.errors.HaltServer: <HaltServer 3>")
    log.write_text("\n".join(["starting", *app_error]) + "\n")
    assert "first error" not in Child(log).log_tail()  # in the tail already: not repeated

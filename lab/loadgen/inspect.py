"""`python -m lab.loadgen.inspect FILE [--out JSON]`: what a locustfile holds, found by Locust's own loader.

Prints (or writes to --out) `{"users": [UserClassInfo...], "shapes": ["StepShape", ...]}`: every concrete
User class of FILE as Locust would offer it (abstract ones left out, classes imported into the file kept),
and its load shapes. Run in a process of its own: importing Locust monkey-patches with gevent, and
importing the file runs the user's code. Exit 2 with a clear message (stderr) when FILE does not exist,
does not import (the tail of the error), or has no User class.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import sys
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import NoReturn

import locust
from locust import User
from locust.util.load_locustfile import load_locustfile

from lab.loadgen import wait
from lab.shared.scenarios import UserClassInfo

TRACEBACK_FRAMES = 4


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _base(cls: type[User]) -> str:
    """The Locust class `cls` derives from: the first of its ancestors that Locust defines."""
    return next(c.__name__ for c in cls.__mro__ if c.__module__.split(".")[0] == "locust")


def _tasks(cls: type[User]) -> tuple[str, ...]:
    """Task functions and TaskSet classes by name, each once (Locust repeats a task by its weight)."""
    return tuple(dict.fromkeys(getattr(t, "__name__", repr(t)) for t in cls.tasks))


def _tail(exc: BaseException) -> list[str]:
    """The error and where: the first frame in the user's code and the last few, without the frames of
    this module, Locust's loader and importlib."""
    error = traceback.TracebackException.from_exception(exc)
    theirs = (__file__, str(Path(locust.__file__).parent), "<frozen ")
    frames = traceback.StackSummary.from_list([f for f in error.stack if not f.filename.startswith(theirs)])
    shown = frames.format()
    if len(shown) > TRACEBACK_FRAMES:
        shown = [shown[0], "  ...\n", *shown[-(TRACEBACK_FRAMES - 1) :]]
    return "".join([*shown, *error.format_exception_only()]).rstrip().splitlines()


def describe(cls: type[User]) -> UserClassInfo:
    doc = cls.__dict__.get("__doc__")  # its own: inspect.getdoc would return HttpUser's
    return UserClassInfo(
        name=cls.__name__,
        base=_base(cls),
        file=inspect.getfile(cls),
        doc=inspect.cleandoc(doc) if doc else None,
        host=cls.host or None,
        weight=float(cls.weight),
        fixed_count=int(cls.fixed_count),
        tasks=_tasks(cls),
        wait_time=wait.describe(cls).text,
    )


def load(file: str) -> tuple[list[UserClassInfo], list[str]]:
    """The User classes and shapes of `file`; exits 2 with the reason when there are none."""
    path = Path(file)
    if not path.is_file():
        fail(f"locustfile {file}: no such file")
    if path.suffix != ".py":
        fail(f"locustfile {file}: Locust loads only .py files")
    try:
        with contextlib.redirect_stdout(sys.stderr):  # the user's prints must not mix into our JSON
            users, shapes = load_locustfile(str(path.resolve()))
    except (Exception, SystemExit) as exc:
        fail(f"locustfile {file} does not import:\n    " + "\n    ".join(_tail(exc)))
    if not users:
        fail(
            f"locustfile {file} has no Locust User class: the lab runs each concrete subclass of HttpUser, "
            "FastHttpUser or User (`abstract = True` ones do not count)"
        )
    return [describe(cls) for cls in users.values()], [type(shape).__name__ for shape in shapes]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lab.loadgen.inspect", description=__doc__.splitlines()[0]
    )
    parser.add_argument("file", help="a locustfile (.py)")
    parser.add_argument("--out", type=Path, help="write the JSON to this file (default: standard output)")
    args = parser.parse_args(argv)
    users, shapes = load(args.file)
    text = json.dumps({"users": [asdict(u) for u in users], "shapes": shapes})
    if args.out:
        args.out.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()

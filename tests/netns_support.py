"""Hosts made of Linux network namespaces, for the test of Locust workers on other machines (issue 24 §2).

`Network` builds one namespace per host, each with a veth pair to a bridge that lives in a namespace of
its own (so nothing of it appears among this machine's interfaces), and the test's own addresses
(SUBNET). Every name starts with a prefix unique to this process, and `close` kills whatever runs in the
namespaces and deletes them, whatever happened before: the test's fixture calls it in its finalizer.

Root is needed (`ip netns add`); not root is a clear failure, never a skip.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

SUBNET = "10.213.24"  # 10.213.24.0/24: this test's own, reachable only inside its namespaces
_NETWORKS = itertools.count()  # two networks of one process never share a name


class NetworkError(RuntimeError):
    """The namespaces could not be built; the message says what to do."""


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise NetworkError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def check_root() -> None:
    if os.geteuid() != 0:
        raise NetworkError(
            "the test of workers on other hosts builds network namespaces (ip netns add) and needs root: "
            "run `make test` as root (or with CAP_NET_ADMIN and CAP_SYS_ADMIN)"
        )


class Network:
    """Hosts by name, each a namespace with one address on a private bridge."""

    def __init__(self, hosts: Sequence[str]) -> None:
        check_root()
        self.prefix = f"labt{os.getpid()}n{next(_NETWORKS)}-"
        self.switch = self.prefix + "sw"
        self.addresses = {host: f"{SUBNET}.{i + 2}" for i, host in enumerate(hosts)}
        self.created: list[str] = []
        self.children: list[subprocess.Popen[bytes]] = []
        try:
            self._add(self.switch)
            _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            _ip("-n", self.switch, "link", "set", "br0", "up")
            for i, host in enumerate(hosts):
                self._host(host, f"v{i}")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _add(self, namespace: str) -> None:
        _ip("netns", "add", namespace)
        self.created.append(namespace)
        _ip("-n", namespace, "link", "set", "lo", "up")

    def _host(self, host: str, port_name: str) -> None:
        namespace = self.namespace(host)
        self._add(namespace)
        _ip("-n", self.switch, "link", "add", port_name, "type", "veth", "peer", "name", "eth0",
            "netns", namespace)  # fmt: skip
        _ip("-n", self.switch, "link", "set", port_name, "master", "br0", "up")
        _ip("-n", namespace, "addr", "add", f"{self.addresses[host]}/24", "dev", "eth0")
        _ip("-n", namespace, "link", "set", "eth0", "up")

    def namespace(self, host: str) -> str:
        return self.prefix + host

    def start(self, host: str, command: Sequence[str] | str, log: Path) -> subprocess.Popen[bytes]:
        """`command` (argv, or a shell line) running on `host`, its output to `log`."""
        argv = ["bash", "-c", command] if isinstance(command, str) else list(command)
        with log.open("ab") as out:
            child = subprocess.Popen(
                ["ip", "netns", "exec", self.namespace(host), *argv],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        self.children.append(child)
        return child

    def run(self, host: str, argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
        """`argv` on `host` to its end."""
        return subprocess.run(
            ["ip", "netns", "exec", self.namespace(host), *argv],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def pids(self, host: str) -> list[int]:
        """Every process running in `host`'s namespace."""
        done = subprocess.run(
            ["ip", "netns", "pids", self.namespace(host)], capture_output=True, text=True, timeout=10
        )
        return [int(p) for p in done.stdout.split()]

    def kill(self, host: str, word: str) -> int:
        """SIGKILL the process on `host` whose arguments hold `word` (e.g. a Locust worker, not the shell
        loop that restarts it); its pid."""
        for pid in self.pids(host):
            with contextlib.suppress(OSError):
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
                if word in argv and os.path.basename(argv[0]) != "bash":
                    os.kill(pid, signal.SIGKILL)
                    return pid
        raise NetworkError(f"no process of {host} runs {word!r}")

    def stop_all(self, host: str) -> None:
        """Kill every process in `host`'s namespace (all of them are the test's) and wait for them."""
        for _ in range(50):
            pids = self.pids(host)
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)

    def close(self) -> None:
        """Everything down: the processes in the namespaces, the children started, the namespaces."""
        for namespace in reversed(self.created):
            with contextlib.suppress(NetworkError, subprocess.SubprocessError):
                self.stop_all(namespace.removeprefix(self.prefix))
        for child in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.SubprocessError):
                child.wait(timeout=10)
        for namespace in reversed(self.created):
            with contextlib.suppress(NetworkError):
                _ip("netns", "del", namespace)
        self.created.clear()


def left_behind(prefix: str) -> list[str]:
    """Namespaces whose name starts with `prefix` (none once a Network is closed)."""
    done = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    return [line.split()[0] for line in done.stdout.splitlines() if line.startswith(prefix)]


def wait_answering(network: Network, host: str, url: str, python: str, timeout: float = 60.0) -> None:
    """Until `url` answers 200 from `host` (e.g. a server started in another namespace is ready)."""
    probe = f"import sys, urllib.request; sys.exit(urllib.request.urlopen({url!r}, timeout=2).status != 200)"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if network.run(host, [python, "-c", probe], timeout=10).returncode == 0:
            return
        time.sleep(0.3)
    raise NetworkError(f"{url} did not answer from {host} within {timeout:.0f} s")

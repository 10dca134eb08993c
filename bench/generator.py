"""What the load generator can do (issue 13 §3): req/s of the lab's Locust path per generator process,
against wrk, on /noop/async of one uvicorn-single server: interleaved rounds, ratios reported.

The server is pinned to CPU 0, wrk and Locust to the other CPUs; each round runs wrk, Locust with one
process and Locust with two (`--processes 2`, the path of `lab compare --generator-processes 2`), in an
order that rotates, so a noisy neighbour hits them alike. Locust runs through lab.runtime.headless, the
lab's own path (FastHttpUser, the exporter, the snapshot). Reported: medians over the rounds of req/s, of
req/s per generator process, of Locust / wrk within a round, and the busiest Locust process's CPU (near 1:
Locust is the limit; lower: the server or the machine is). The per-process figure is what
lab/shared/generator_capacity.toml stores. Run it with `make bench-generator` or
`python -m bench.generator --rounds 5` from the repository; the suite runs one round of 1 s (tests/bench).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
from pathlib import Path

from bench.instrumentation import ensure_wrk, wrk
from lab.runtime import headless
from lab.runtime.generator import Generator
from lab.runtime.launcher import Server
from lab.runtime.ports import free_port
from lab.shared.configs import load_catalogue
from lab.shared.cores import usable_cpus
from lab.shared.scenarios import get_scenario

VARIANTS = ["wrk", "locust-1", "locust-2"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5, help="per run (default: 5)")
    parser.add_argument("--users", type=int, default=32, help="Locust users = wrk connections (default: 32)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    binary = ensure_wrk()
    cpus = usable_cpus()
    server_cpus, client_cpus = cpus[:1], cpus[1:] or cpus
    scenario = get_scenario("noop-async")
    rps: dict[str, list[float]] = {v: [] for v in VARIANTS}
    busiest: dict[str, list[float]] = {v: [] for v in VARIANTS[1:]}
    ratios: dict[str, list[float]] = {v: [] for v in VARIANTS[1:]}
    with tempfile.TemporaryDirectory() as tmp:
        config = load_catalogue()["uvicorn-single"]
        log = Path(tmp) / "server.log"
        with Server(config, port=free_port(), cpus=server_cpus, log=log) as server:
            for i in range(args.rounds):
                order = VARIANTS[i % 3 :] + VARIANTS[: i % 3]
                found: dict[str, float] = {}
                for variant in order:
                    if variant == "wrk":
                        found[variant], _ = wrk(
                            binary, f"{server.url}/noop/async", args.seconds, args.users, client_cpus[0]
                        )
                        continue
                    processes = int(variant.split("-")[1])
                    result = headless.run(
                        scenario, server.url, users=args.users, seconds=args.seconds,
                        out=Path(tmp) / f"{variant}-{i}", cpus=client_cpus,
                        generator=Generator(processes=processes),
                    )  # fmt: skip
                    found[variant] = result.rps
                    busiest[variant].append(result.generator_busiest_cpu)
                for variant, value in found.items():
                    rps[variant].append(value)
                    if variant != "wrk":
                        ratios[variant].append(value / found["wrk"])
                print(
                    f"round {i + 1}: " + ", ".join(f"{v} {found[v]:.0f} req/s" for v in VARIANTS), flush=True
                )
    figures = {
        "machine": {"cores": len(cpus), "cpu": platform.processor() or platform.machine()},
        "server_cpus": server_cpus,
        "client_cpus": client_cpus,
        "rounds": args.rounds,
        "seconds": args.seconds,
        "users": args.users,
        "wrk_rps": statistics.median(rps["wrk"]),
        **{
            variant: {
                "rps": round(statistics.median(rps[variant])),
                "rps_per_process": round(statistics.median(rps[variant]) / int(variant.split("-")[1])),
                "ratio_to_wrk": round(statistics.median(ratios[variant]), 3),
                "ratio_spread": [round(min(ratios[variant]), 3), round(max(ratios[variant]), 3)],
                "busiest_process_cpu": round(statistics.median(busiest[variant]), 2),
            }
            for variant in VARIANTS[1:]
        },
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

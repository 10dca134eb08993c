"""What one Locust process of the lab can drive, as measured by bench/generator.py (issue 13 §3).

A data file, lab/shared/generator_capacity.toml, not a constant: its figure belongs to the machine it was
measured on, which the file names; a user reruns the bench and edits it. `lab compare` flags a cell whose
req/s comes within NEAR (20%) of that capacity times the cell's generator processes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PATH = Path(__file__).with_name("generator_capacity.toml")
NEAR = 0.2  # within 20% of the capacity: the generator may be what the cell measures


@dataclass(frozen=True)
class Capacity:
    rps_per_process: float
    measured_on: str

    def near(self, rps: float, processes: int) -> bool:
        """Whether `rps` comes within NEAR of what `processes` Locust processes can drive."""
        return rps >= (1 - NEAR) * self.rps_per_process * max(1, processes)


@cache
def generator_capacity(path: Path = PATH) -> Capacity | None:
    """The measured capacity; None where the file is missing or holds no positive figure."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    rps = data.get("rps_per_process")
    if not isinstance(rps, int | float) or rps <= 0:
        return None
    return Capacity(float(rps), str(data.get("measured_on", "")))

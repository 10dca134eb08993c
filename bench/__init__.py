"""On-demand benchmarks (`make bench`): interleaved A/B rounds, ratios reported. The suite runs each once at
its smallest size (tests/bench), so that none rots; its numbers are measured here, on demand."""

from __future__ import annotations

"""On-demand benchmarks (`make bench`): interleaved A/B rounds, ratios reported; never part of the suite."""

from __future__ import annotations

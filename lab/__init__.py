"""The FastAPI load lab: which way of writing and serving endpoints holds up under load, and why."""

from __future__ import annotations

__version__ = "0.1.0"

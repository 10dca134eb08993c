"""The endpoint catalogue, one router per concern."""

from __future__ import annotations

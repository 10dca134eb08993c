"""`lab compare`: drive every configuration with Locust, collect client and server numbers, explain them."""

from __future__ import annotations

"""`lab compare`: drive every configuration with Locust, collect client and server numbers, explain them.

In rooms, imports flowing one way (docs/architecture.md): run (the checked plan, the cells, the gates)
-> report (what a person reads) -> the model (the modules at this package's top) -> results (summary.json's
typed models and what is read off them) -> meta (the run's provenance).
"""

from __future__ import annotations

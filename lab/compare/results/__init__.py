"""The result set of a comparison: summary.json's typed models and what is read off them alone.

The rule of this room: it imports nothing of lab.compare but lab.compare.meta (the run's provenance); the
model, the report and the run all read it, it reads none of them.
"""

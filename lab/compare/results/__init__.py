"""The result set of a comparison: summary.json's typed models and what is read off them alone.

The rule of this room: it imports nothing of lab.compare (the run's provenance is lab.shared.provenance); the
model, the report and the run all read it, it reads none of them.
"""

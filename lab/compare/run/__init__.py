"""Running a comparison: the plan of cells, measuring them, recording each, and judging the gates.

The rule of this room: it sits on top of lab.compare; it may read the results, the model and the report
(it writes the result files after each cell), and nothing else in lab.compare reads it.
"""

"""`lab ab`: two versions of one app measured interleaved, the ratio B/A judged with intervals (issue 22).

The rule of this room: it sits on top of lab.compare.run (each run of a side is a one-configuration
comparison, measured by the same runner and cell measurement as `lab compare`) and reads the results;
the statistics come from lab.stats. Nothing else in lab.compare reads it.
"""

"""Statistics over repeated runs, pure functions and no processes (issue 22): bootstrap confidence
intervals and a significance test.

Pure Python on purpose: numpy and scipy are not dependencies of the lab, and a handful of runs (3 to 20)
needs no vectors. The bootstrap draws from `random.Random(seed)`, so a result directory's intervals are
the same every time they are computed again.
"""

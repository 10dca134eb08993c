"""The model: service demands, operational-analysis bounds, utilizations and mean value analysis (issue 21).

Pure functions over typed data, no processes: measured numbers in (`inputs`), a ceiling, its binding
resource, the utilizations and a verdict out (`bounds`, `explain`), the curve of a users sweep (`mva`).
Imports only `lab.shared` and the standard library.
"""

"""What a person reads of a result set: summary.csv/.md, the terminal, report.html and its charts.

The rule of this room: it reads the results (lab.compare.results) and the model's explanations, and
never the run: `lab report DIR` renders a finished run from summary.json alone.
"""

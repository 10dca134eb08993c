"""The lab's exporter as a locustfile of its own: `locust -f YOUR_FILE.py,lab/loadgen/lab_plugin.py`.

Locust imports every file given to `-f` (comma-separated) and merges their User classes; this one has none,
it only loads the exporter plugin (`lab.loadgen.metrics`: `--metrics-snapshot`, `--lab-config`, ...) and
the complete failures table (`lab.loadgen.failures`: `PREFIX_failures.json` with `--csv PREFIX`) and the
exact latency histograms (`lab.loadgen.latency`: `PREFIX_latency.json`), keeps `--run-time` on time
(`lab.loadgen.clock`) and holds a Locust started ahead of its run at a gate (`lab.loadgen.gate`), so a
user's locustfile is measured with no import of the lab in it. Loading it next to a file that imports the
plugin itself (the lab's own locustfiles) registers nothing twice: both import the one `lab.loadgen.metrics`.
Named `lab_plugin`, not `plugin`: Locust imports a locustfile as a top-level module named after the file.
"""

from __future__ import annotations

import lab.loadgen.clock  # (registers its Locust event listener)
import lab.loadgen.failures  # (registers its Locust event listener)
import lab.loadgen.gate  # (registers its Locust event listeners)
import lab.loadgen.latency  # (registers its Locust event listeners)
import lab.loadgen.metrics  # noqa: F401  (registers the plugin's Locust event listeners)

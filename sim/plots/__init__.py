"""Figures and the HTML report (``sim plot``, ``sim compare``, ``sim report``).

Nothing here imports matplotlib at package import time: `sim.cli.plot` (which the
command line loads to build its parser) is light, and the figure modules select the
``Agg`` backend through `sim.plots.style` when they are first imported.

Every figure function takes a list of `sim.results.reader.Results` (one for ``sim plot``,
several for ``sim compare``) and returns `sim.plots.style.Plot` objects carrying the
figure *and* the numbers plotted, so tests and the report can check them against the
tables. The registry of figure kinds is `sim.plots.kinds.KINDS`.
"""

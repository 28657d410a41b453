"""``sim viz``: a Mesa SolaraViz page for stepping one run of a scenario in the browser.

`sim.cli.viz` registers the command and `sim.viz.launch` starts the server, importing
nothing heavy; `sim.viz.app` builds the page (the module that ``solara run`` serves) and
`sim.viz.components` draws the ladder, the series and the event log. Solara and
``mesa.visualization`` are imported only there.
"""

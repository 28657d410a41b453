"""Hindcast validation: observed series, fit statistics, the figure and `sim validate`.

`observed` reads the series the hindcast is judged on from ``data/`` (SIPRI spending,
Senkaku coast-guard days, JASDF scrambles, Taiwan ADIZ incursions); `stats` compares a
simulated ensemble with them (quantile bands, coverage, MAPE, bias), separately for the
fitted years and the held-back ones; `figure` draws observations over the simulated bands;
`cli` is the ``sim validate`` command. (Schema checks of scenario files are a different
thing: `sim.scenario.validate`.)
"""

"""Hindcast validation: observed series, fit statistics, forecast scores, figures, `sim validate`.

`observed` reads the series the hindcast is judged on from ``data/`` (SIPRI spending,
Senkaku coast-guard days, JASDF scrambles, Taiwan ADIZ incursions) and estimates from them,
on years up to a cut-off only, the economy and the latent grey-zone process; `stats`
compares a simulated ensemble with them (quantile bands, coverage, MAPE, bias), separately
for the fitted years and the held-back ones; `scores` scores the held-back years (CRPS,
interval coverage, PIT) against persistence and a linear trend; `origins` holds the rolling
origins (fits up to 2015 and 2016) the grey-zone series are scored from; `figure` draws
observations over the simulated bands and the scores; `cli` is the ``sim validate``
command. (Schema checks of scenario files are a different thing: `sim.scenario.validate`.)
"""

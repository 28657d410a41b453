"""``sim calibrate``: likelihood-free Bayesian calibration of declared parameters.

One module per job, in the EMA Workbench manner: `priors` (what is calibrated and its
prior), `targets` (what it is fitted to and the likelihood), `batch` (a whole population
of particles through the one vectorised engine), `smc` (the tempered sequential Monte
Carlo sampler, independent of the simulator), `store` (the resumable output folder),
`figures` and `cli`. `posterior` lets runs draw their parameters from a fitted posterior.
See docs/calibration.md.
"""

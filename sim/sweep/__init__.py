"""Parameter sweeps: parameter spaces, samplers (grid, LHS, Sobol, Morris), execution.

Parameter definitions (`space`), sampling (`samplers`), execution (`run`) and analysis
(`sim.analysis.sensitivity`, `sim.analysis.discovery`) are separate, as in EMA Workbench.
"""

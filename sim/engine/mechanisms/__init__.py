"""The mechanisms of the model, one module each, applied in `sim.engine.step.ORDER`."""

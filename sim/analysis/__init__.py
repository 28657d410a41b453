"""Summaries of outcomes: intervals, ladder distributions, survival, sensitivity."""

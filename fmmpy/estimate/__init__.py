"""Estimation: layout, likelihood, start values, EM, ML and variance."""

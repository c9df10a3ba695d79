"""Calibration of the performance model: published rows, the fit, the accuracy report."""

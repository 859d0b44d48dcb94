"""Plotting: one figure style, stable file names, JSON provenance sidecars, and a registry of figures."""

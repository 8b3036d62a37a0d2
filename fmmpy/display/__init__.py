"""Stata-style text and HTML rendering."""

"""Extraction as pure functions of a response: tested against saved pages."""

"""Scores posts against the 14 harm categories (see safewatch.taxonomy)."""

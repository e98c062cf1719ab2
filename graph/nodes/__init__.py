"""One node per module."""

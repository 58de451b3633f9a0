"""The diagnostic pipeline and the pattern engine."""

"""Renderers: pure functions of a `Diagnosis` (Block Kit, terminal text, JSON)."""

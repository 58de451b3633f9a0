"""Everything that talks to people: Slack, alert parsers, renderers, CLI, settings, catalog."""

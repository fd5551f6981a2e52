"""CLI commands for lessons, templates and scaffolds (`kgen lessons`, `lesson`, `generate`, `new`)."""

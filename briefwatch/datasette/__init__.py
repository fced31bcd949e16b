"""Datasette integration for ``briefwatch serve``: metadata, canned queries, the coverage page plugin."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
METADATA = HERE / "metadata.yaml"

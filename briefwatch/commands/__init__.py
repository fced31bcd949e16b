"""Sub-commands of the ``briefwatch`` CLI, one module per feature; each exposes ``register(cli)``."""

from __future__ import annotations

import datetime as dt

import click


def iso_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    """click callback: an ISO date option (YYYY-MM-DD) as a ``date``."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO date (YYYY-MM-DD): {value!r}") from None

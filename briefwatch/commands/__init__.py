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


def reader(ctx: click.Context):
    """The database of ``--db`` opened read-only (a command that only reads); a clear error if it cannot be."""
    from db.connect import DatabaseError, open_reader

    try:
        return open_reader(ctx.obj["db"])
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None


def writer(ctx: click.Context):
    """The database of ``--db`` opened for writing (created in an existing directory); a clear error if not."""
    from db.connect import DatabaseError, open_writer

    try:
        return open_writer(ctx.obj["db"])
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None

"""``briefwatch demo``: what ``make demo`` runs (see briefwatch/demo/runner.py)."""

from __future__ import annotations

import logging

import click


@click.command("demo")
@click.option(
    "--db",
    "db_path",
    default="data/demo.db",
    show_default=True,
    help="The demo's own database (reset at each run; never data/briefwatch.db).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the daemon's JSON logs.")
def demo_cmd(db_path: str, verbose: bool) -> None:
    """Run the whole job on bundled demo sites, no internet: serve them on 127.0.0.1, one daemon cycle
    (crawl, events, directives, alerts as of 2023-11-15, digests into <db dir>/outbox/), then print the
    coverage table, the digest files and the database path."""
    from briefwatch.daemon import setup_logging
    from briefwatch.demo.runner import DemoError, run_demo

    setup_logging("INFO" if verbose else "WARNING", None if verbose else "text")
    logging.getLogger("briefwatch.health").setLevel(logging.INFO if verbose else logging.ERROR)
    try:
        out = run_demo(db_path, click.echo)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None
    bad = [c["source"] for c in out["crawls"] if c.get("status") != "ok"]
    if bad or (out["alerts"] or {}).get("status") != "ok":
        raise click.ClickException(
            f"the demo cycle did not complete cleanly (crawls not ok: {bad or 'none'})"
        )


def register(cli: click.Group) -> None:
    cli.add_command(demo_cmd)

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
@click.option(
    "--scenario",
    type=click.Choice(["hanoi-2026", "melinh-2023"]),
    default="hanoi-2026",
    show_default=True,
    help="hanoi-2026: today's Hanoi (communes and wards, a 2026 directive, as of 2026-11-20); "
    "melinh-2023: the Mê Linh district scenario of 2023 (as of 2023-11-15).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show the daemon's JSON logs.")
def demo_cmd(db_path: str, scenario: str, verbose: bool) -> None:
    """Run the whole job on bundled demo sites, no internet: serve them on 127.0.0.1, one daemon cycle
    (crawl, events, directives, alerts as of the scenario's day, digests into <db dir>/outbox/), then print
    the coverage table, the digest files and the database path."""
    from briefwatch.daemon import setup_logging
    from briefwatch.demo.runner import DemoError, run_demo

    setup_logging("INFO" if verbose else "WARNING", None if verbose else "text")
    logging.getLogger("briefwatch.health").setLevel(logging.INFO if verbose else logging.ERROR)
    try:
        out = run_demo(db_path, click.echo, scenario=scenario)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None
    bad = [c["source"] for c in out["crawls"] if c.get("status") != "ok"]
    if bad or (out["alerts"] or {}).get("status") != "ok":
        raise click.ClickException(
            f"the demo cycle did not complete cleanly (crawls not ok: {bad or 'none'})"
        )


def register(cli: click.Group) -> None:
    cli.add_command(demo_cmd)

"""The ``briefwatch`` command line (click)."""

from __future__ import annotations

import importlib

import click

from briefwatch import __version__

# feature modules that add commands; each defines ``register(cli: click.Group) -> None``
COMMAND_MODULES = [
    "briefwatch.commands.extract",
    "briefwatch.commands.crawl",
    "briefwatch.commands.alerts",
    "briefwatch.commands.analysts",
    "briefwatch.commands.daemon",
    "briefwatch.commands.demo",
    "briefwatch.commands.sources",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefwatch")
@click.option(
    "--db",
    "db_path",
    envvar="BRIEFWATCH_DB",
    default="data/briefwatch.db",
    show_default=True,
    help="SQLite database (env BRIEFWATCH_DB).",
)
@click.option(
    "--sources",
    "sources_path",
    envvar="BRIEFWATCH_SOURCES",
    default="sources.yaml",
    show_default=True,
    help="Source registry YAML (env BRIEFWATCH_SOURCES).",
)
@click.option(
    "--rules",
    "rules_path",
    envvar="BRIEFWATCH_RULES",
    default="alerts.yaml",
    show_default=True,
    help="Alerting rules YAML (env BRIEFWATCH_RULES).",
)
@click.pass_context
def cli(ctx: click.Context, db_path: str, sources_path: str, rules_path: str) -> None:
    """briefwatch: crawl unit portals and newspapers, extract briefing events, alert supervisors."""
    ctx.ensure_object(dict)
    ctx.obj.update(db=db_path, sources=sources_path, rules=rules_path)


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a feature not written yet
            if exc.name == name:
                continue
            raise
        mod.register(cli)


_register()


def main() -> None:
    cli(obj={})


if __name__ == "__main__":
    main()

"""The briefwatch scheduler daemon: ``python scheduler.py [--once] [options]``, the same as ``briefwatch run``.

Paths come from the environment (BRIEFWATCH_DB, BRIEFWATCH_SOURCES, BRIEFWATCH_RULES) or the defaults
(data/briefwatch.db, sources.yaml, alerts.yaml); see ``briefwatch run --help`` and briefwatch/daemon.py.
"""

from __future__ import annotations

import sys

GLOBAL_OPTIONS = ("--db", "--sources", "--rules")  # options of the ``briefwatch`` group, accepted here too


def main(argv: list[str] | None = None) -> None:
    from briefwatch.cli import cli

    args = sys.argv[1:] if argv is None else list(argv)
    pre, rest = [], []
    it = iter(args)
    for a in it:
        if a.split("=", 1)[0] in GLOBAL_OPTIONS:
            pre.append(a)
            if "=" not in a:
                pre.append(next(it, ""))
        else:
            rest.append(a)
    cli([*pre, "run", *rest], obj={})


if __name__ == "__main__":
    main()

"""``briefwatch serve`` (read-only Datasette), ``briefwatch export`` and ``briefwatch search``."""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import logging
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from briefwatch.commands import reader

log = logging.getLogger("briefwatch.analysts")

# the documents a --document (and --issuer-unit) names: every issuer's when no issuer unit is given
_CHOSEN = "(SELECT id FROM documents WHERE code = :document AND (:issuer = '' OR issuer_key = :issuer))"
EXPORTS: dict[str, tuple[str, str, str]] = {
    # what: (SQL, filter on a document, order)
    "events": (
        "SELECT * FROM events_flat",
        f"document_id IN (SELECT member FROM document_matches WHERE document IN {_CHOSEN})",
        "ORDER BY date, event_id, document, url",
    ),
    "coverage": (
        "SELECT * FROM coverage",
        f"document_id IN {_CHOSEN}",
        "ORDER BY document, issuer_unit, district, unit",
    ),
    "documents": (
        "SELECT * FROM documents_overview",
        f"id IN (SELECT member FROM document_matches WHERE document IN {_CHOSEN})",
        "ORDER BY issued, code, issuer_unit",
    ),
}


def _existing_db(ctx: click.Context) -> Path:
    path = Path(ctx.obj["db"])
    if not path.exists():
        raise click.ClickException(
            f"no database at {path}: run `briefwatch crawl` (or `briefwatch demo`) first, or pass --db / BRIEFWATCH_DB"
        )
    return path


def _open(path: Path):
    from db.connect import open_db

    return open_db(path)


def export_rows(
    conn: sqlite3.Connection, what: str, document: str | None, issuer_unit: str | None = None
) -> tuple[list[str], Iterator[tuple]]:
    """Column names and a row iterator for ``what`` (events | coverage | documents)."""
    from briefwatch.text import key

    sql, where, order = EXPORTS[what]
    params: dict[str, Any] = {}
    if document is not None:
        sql += f" WHERE {where}"
        params["document"] = document
        params["issuer"] = key(issuer_unit) if issuer_unit else ""
    cur = conn.execute(f"{sql} {order}", params)
    return [c[0] for c in cur.description], iter(cur)


def write_csv(out: IO[str], columns: list[str], rows: Iterator[tuple]) -> int:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    n = 0
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
        n += 1
    return n


def write_json(out: IO[str], columns: list[str], rows: Iterator[tuple]) -> int:
    """A JSON array, one object per line (streamed: memory stays flat on large exports)."""
    n = 0
    out.write("[")
    for r in rows:
        out.write(",\n" if n else "\n")
        out.write(json.dumps(dict(zip(columns, r, strict=True)), ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


@click.command("export")
@click.argument("what", type=click.Choice(sorted(EXPORTS)))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--document", help="Only this document (e.g. 24-CT/TU); partial codes (24-CT) count for it.")
@click.option(
    "--issuer-unit",
    help="With --document: only the one numbered by this body (thành phố Hà Nội, quận Cầu Giấy); default every issuer's.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically: a failed export leaves no half file). Default: stdout.",
)
@click.option("--bom", is_flag=True, help="Start a CSV with a UTF-8 BOM (for Excel).")
@click.pass_context
def export_cmd(
    ctx: click.Context,
    what: str,
    fmt: str,
    document: str | None,
    issuer_unit: str | None,
    output: Path | None,
    bom: bool,
) -> None:
    """Export events (one row per event, document and evidence article), coverage (one row per document
    and unit that briefed it) or documents (with briefing counts), as CSV or a JSON array."""
    from briefwatch.datasette.coverage import normalise_code

    db = reader(ctx)
    conn = db.conn
    if document is not None:
        document = normalise_code(document)
        if (
            not document
            or conn.execute("SELECT 1 FROM documents WHERE code = ?", [document]).fetchone() is None
        ):
            log.warning("export: unknown document %r", document)
            raise click.ClickException(
                f"no document {document!r} in the database (see `briefwatch export documents`)"
            )
    columns, rows = export_rows(conn, what, document, issuer_unit)
    writer = write_csv if fmt == "csv" else write_json
    if output is None or str(output) == "-":
        sys.stdout.flush()
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        if bom and fmt == "csv":
            out.write("\ufeff")
        n = writer(out, columns, rows)
        out.flush()
        out.detach()  # leave stdout open
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
        try:
            with os.fdopen(
                fd, "w", encoding="utf-8-sig" if bom and fmt == "csv" else "utf-8", newline=""
            ) as f:
                n = writer(f, columns, rows)
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    conn.close()
    dest = "stdout" if output is None or str(output) == "-" else str(output)
    click.echo(f"exported {n} {what} rows to {dest}", err=True)


@click.command("search")
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def search_cmd(ctx: click.Context, query: str, limit: int, as_json: bool) -> None:
    """Full-text search over articles, ignoring diacritics and tone placement.

    "quan triet chi thi 24" finds "quán triệt Chỉ thị 24"; words are ANDed, "quote a phrase", a word
    ending in * is a prefix.
    """
    from db.analysts import fts_query, search_articles

    if fts_query(query) is None:
        raise click.ClickException("the query has no words to search for")
    db = reader(ctx)
    hits = search_articles(db, query, limit=limit)
    db.conn.close()
    for h in hits:
        if as_json:
            click.echo(json.dumps(h, ensure_ascii=False))
        else:
            click.echo(
                f"{h['published'] or '?'}  {h['title'] or '(no title)'}\n    {h['url']}\n    {h['snippet']}"
            )
    click.echo(f"{len(hits)} article(s)", err=True)


def build_metadata(db_name: str, language: str | None = None) -> dict[str, Any]:
    """Datasette metadata: metadata.yaml with its database key set to ``db_name``, titles and descriptions of
    the canned queries in ``language`` (Vietnamese by default), and table descriptions."""
    import yaml

    from briefwatch.datasette import METADATA
    from briefwatch.i18n import DEFAULT_LANGUAGE, translation
    from db.docs import TABLE_DOCS

    _ = translation(language).gettext

    def tr(x: Any) -> Any:
        if isinstance(x, dict):
            return {
                k: (_(v.strip()) if k in ("title", "description") and isinstance(v, str) else tr(v))
                for k, v in x.items()
            }
        if isinstance(x, list):
            return [tr(v) for v in x]
        return x

    meta = tr(yaml.safe_load(METADATA.read_text(encoding="utf-8")))
    meta.setdefault("plugins", {})["briefwatch"] = {"language": language or DEFAULT_LANGUAGE}
    dbmeta = meta["databases"].pop("briefwatch")
    tables = dbmeta.setdefault("tables", {})
    for name, desc in TABLE_DOCS.items():
        tables.setdefault(name, {}).setdefault("description", desc)
    meta["databases"][db_name] = dbmeta
    return meta


def _register_plugin() -> None:
    from datasette.plugins import pm

    from briefwatch.datasette import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="briefwatch")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Keep the default unless behind an authenticating proxy.",
)
@click.option("--get", "get_path", metavar="PATH", help="Render PATH once, print it and exit (no server).")
@click.option(
    "--language",
    type=click.Choice(["vi", "en"]),
    envvar="BRIEFWATCH_LANGUAGE",
    default="vi",
    show_default=True,
    help="Language of the coverage pages and canned-query titles (env BRIEFWATCH_LANGUAGE).",
)
@click.pass_context
def serve_cmd(ctx: click.Context, port: int, host: str, get_path: str | None, language: str) -> None:
    """Serve the database read-only with Datasette: canned queries, search, and coverage pages
    (/-/coverage/24-CT/TU). No authentication: see the README before exposing it beyond localhost."""
    from datasette.cli import serve as datasette_serve

    from briefwatch.datasette import TEMPLATES

    path = _existing_db(ctx)
    reader(ctx).conn.close()  # a clear error for a file that is no briefwatch database
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if writable:
        try:  # bring views and the search index up to date, then serve read-only
            _open(path).conn.close()
        except sqlite3.Error as exc:
            log.warning("serve: could not migrate %s (%s); serving it as it is", path, exc)
            click.echo(f"warning: could not migrate {path}: {exc}", err=True)
    if not _is_loopback(host):
        click.echo(
            f"warning: serving on {host} without authentication; put it behind a reverse proxy with "
            "authentication (see README, 'Analysts')",
            err=True,
        )
    _register_plugin()
    with tempfile.TemporaryDirectory(prefix="briefwatch-serve-") as tmp:
        meta_path = Path(tmp) / "metadata.json"
        meta_path.write_text(
            json.dumps(build_metadata(path.stem, language), ensure_ascii=False), encoding="utf-8"
        )
        # a read-only file or directory is served as immutable (no -shm or -wal file can be made beside it)
        args = [
            *([str(path)] if writable else ["-i", str(path)]),
            "--host",
            host,
            "--port",
            str(port),
            "--metadata",
            str(meta_path),
            "--template-dir",
            str(TEMPLATES),
            "--setting",
            "sql_time_limit_ms",
            "5000",
            "--setting",
            "facet_time_limit_ms",
            "500",
        ]
        if get_path:
            args += ["--get", get_path]
        try:
            datasette_serve.main(args=args, prog_name="briefwatch serve", standalone_mode=False)
        except SystemExit as exc:  # --get exits with 0 or 1
            if exc.code:
                sys.exit(exc.code)


def register(cli: click.Group) -> None:
    cli.add_command(serve_cmd)
    cli.add_command(export_cmd)
    cli.add_command(search_cmd)

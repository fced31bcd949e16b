"""The briefwatch Datasette plugin: the coverage pages and the SQL functions the canned queries use.

Registered by ``briefwatch serve`` (``datasette.plugins.pm.register``); templates come from
``briefwatch/datasette/templates`` (passed as ``--template-dir``), rendered with Datasette's Jinja
environment, which autoescapes everything.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from datasette import hookimpl
from datasette.utils.asgi import Response

from briefwatch.datasette.coverage import STATUS_LABELS, STATUSES, coverage_page, documents_index
from briefwatch.i18n import DEFAULT_LANGUAGE, fmt_date, translation
from db.analysts import fold, fts_query, snippet


def _database(datasette):
    return datasette.get_database()


def _language(datasette) -> str:
    return (datasette.plugin_config("briefwatch") or {}).get("language") or DEFAULT_LANGUAGE


def _i18n(datasette) -> dict:
    """What the templates use to speak the page's language: ``_``, ``day`` (dd/mm/yyyy in Vietnamese)."""
    lang = _language(datasette)
    return {
        "_": translation(lang).gettext,
        "day": lambda v: fmt_date(v, lang) if v else "",
        "lang": lang,
        "status_labels": STATUS_LABELS,
    }


async def coverage_index_view(datasette, request):
    db = _database(datasette)
    docs = await db.execute_fn(documents_index)
    html = await datasette.render_template(
        "coverage_index.html", {"documents": docs, "database": db.name, **_i18n(datasette)}, request=request
    )
    return Response.html(html)


async def coverage_view(datasette, request):
    code = request.url_vars["code"]
    rule = request.args.get("rule")
    doc = request.args.get("doc")
    doc_id = int(doc) if doc and doc.isdigit() else None
    db = _database(datasette)
    today = dt.date.today()

    def _run(conn: sqlite3.Connection):
        return coverage_page(conn, code, today=today, rule=rule, doc_id=doc_id)

    page = await db.execute_fn(_run)
    if page is None:
        html = await datasette.render_template(
            "coverage_missing.html", {"code": code, "database": db.name, **_i18n(datasette)}, request=request
        )
        return Response.html(html, status=404)
    page.update(database=db.name, statuses=STATUSES, **_i18n(datasette))
    html = await datasette.render_template("coverage.html", page, request=request)
    return Response.html(html)


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/coverage/?$", coverage_index_view),
        (r"^/-/coverage/(?P<code>.+)$", coverage_view),
    ]


@hookimpl
def prepare_connection(conn):
    conn.create_function("bw_fts_query", 1, fts_query, deterministic=True)
    conn.create_function("bw_fold", 1, lambda s: fold(s) if s is not None else None, deterministic=True)
    conn.create_function("bw_snippet", 2, snippet, deterministic=True)


@hookimpl
def menu_links(datasette, actor, request):
    _ = translation(_language(datasette)).gettext
    return [{"href": datasette.urls.path("/-/coverage"), "label": _("Coverage of directives")}]

"""Languages of what supervisors, operators and analysts read (issue #11): Vietnamese by default, English on
request (``settings.language: en`` in alerts.yaml, ``briefwatch serve --language en``).

Messages are marked in code with ``_()`` / ``ngettext()`` of a translation from :func:`translation`, or with
:func:`N_` where the text is only declared; Babel extracts them (``make i18n``: ``scripts/i18n.py``) into
``briefwatch/locale/briefwatch.pot``; ``locale/vi/LC_MESSAGES/briefwatch.po`` holds the Vietnamese and is
compiled to the ``.mo`` read here by the standard library's ``gettext``. A test fails on any marked message
without a Vietnamese translation, or on a ``.mo`` older than its ``.po``.
"""

from __future__ import annotations

import datetime as dt
import gettext
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "briefwatch"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def N_(message: str) -> str:
    """Mark a message for extraction where it is declared; translate it later with ``_()``."""
    return message


@cache
def translation(language: str | None = None) -> gettext.NullTranslations:
    """The catalogue of ``language`` (default Vietnamese); English is the source language of the messages."""
    lang = language or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def fmt_date(value: dt.date | str | None, language: str | None = None) -> str:
    """A date as people read it: ``06/12/2026`` in Vietnamese, ISO (``2026-12-06``) in English."""
    if value is None or value == "":
        return ""
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if (language or DEFAULT_LANGUAGE) == "vi":
        return d.strftime("%d/%m/%Y")
    return d.isoformat()

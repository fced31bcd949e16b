"""Keep the message catalogues current (issue #11), with Babel: ``make i18n`` or ``python -m briefwatch.i18n_catalog``.

    python -m briefwatch.i18n_catalog extract   # briefwatch/locale/briefwatch.pot from the marked messages
    python -m briefwatch.i18n_catalog update    # merge the template into locale/vi/LC_MESSAGES/briefwatch.po
    python -m briefwatch.i18n_catalog compile   # .po → .mo (what gettext reads at run time)
    python -m briefwatch.i18n_catalog check     # exit 1: a message without Vietnamese, a fuzzy one, a stale .mo

Messages come from ``_()``, ``ngettext()`` and ``N_()`` calls in the Python sources, ``_()`` calls in the
coverage pages' Jinja templates, and the titles and descriptions of the canned queries in
``briefwatch/datasette/metadata.yaml``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from briefwatch.i18n import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ["alerts", "briefwatch", "db", "pipelines", "spiders"]
POT = LOCALE_DIR / f"{DOMAIN}.pot"
PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = LOCALE_DIR / "vi" / "LC_MESSAGES" / f"{DOMAIN}.mo"
METADATA = ROOT / "briefwatch" / "datasette" / "metadata.yaml"
METADATA_KEYS = ("title", "description")


def metadata_messages(meta: dict) -> list[str]:
    """The translatable strings of a Datasette metadata mapping (titles and descriptions, any depth)."""
    out: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k in METADATA_KEYS and isinstance(v, str):
                    out.append(v.strip())
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(meta)
    return out


def template() -> Catalog:
    """Every marked message of the sources, templates and metadata."""
    cat = Catalog(project="briefwatch", domain=DOMAIN, charset="utf-8")
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    for d in SOURCE_DIRS:
        for fname, lineno, message, comments, context in extract_from_dir(
            str(ROOT / d), method_map, comment_tags=("i18n:",), strip_comment_tags=True
        ):
            cat.add(message, None, [(f"{d}/{fname}", lineno)], auto_comments=comments, context=context)
    meta = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    for text in metadata_messages(meta):
        cat.add(text, None, [("briefwatch/datasette/metadata.yaml", 0)])
    return cat


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="vi", domain=DOMAIN)


def compiled(po: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, po)
    return buf.getvalue()


def problems() -> list[str]:
    """What is wrong with the Vietnamese catalogue: missing, untranslated, fuzzy or obsolete messages, a stale .mo."""
    tpl = template()
    po = _read(PO)
    out = []
    for m in tpl:
        if not m.id:
            continue
        got = po.get(m.id, context=m.context)
        if got is None:
            out.append(f"not in {PO.name}: {m.id!r}")
        elif got.fuzzy:
            out.append(f"fuzzy: {m.id!r}")
        elif not (all(got.string) if isinstance(got.string, tuple | list) else got.string):
            out.append(f"untranslated: {m.id!r}")
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in tpl if m.id}
    for m in po:
        mid = m.id if isinstance(m.id, str) else m.id[0]
        if m.id and mid not in wanted:
            out.append(f"obsolete (no longer in the code): {mid!r}")
    if not MO.exists() or MO.read_bytes() != compiled(po):
        out.append(f"{MO.name} is not the compiled {PO.name}: run `make i18n`")
    return out


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "extract":
        with POT.open("wb") as f:
            write_po(f, template(), omit_header=False, sort_output=True, width=110)
    elif cmd == "update":
        po = _read(PO) if PO.exists() else Catalog(locale="vi", domain=DOMAIN)
        po.update(template(), no_fuzzy_matching=True)
        po.obsolete.clear()
        po.fuzzy = False  # the header: gettext must read its Plural-Forms (Vietnamese has one form)
        po.project, po.version = "briefwatch", ""
        po.msgid_bugs_address = po.last_translator = po.language_team = "briefwatch maintainers"
        PO.parent.mkdir(parents=True, exist_ok=True)
        with PO.open("wb") as f:
            write_po(f, po, sort_output=True, width=110, include_previous=False)
    elif cmd == "compile":
        MO.write_bytes(compiled(_read(PO)))
    elif cmd == "check":
        bad = problems()
        for b in bad:
            print(b, file=sys.stderr)
        return 1 if bad else 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

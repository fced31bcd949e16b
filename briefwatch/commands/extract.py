"""``briefwatch extract``: JSON Lines (or .txt/.html files) in, one JSON line of events out per article."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _process(rec: dict) -> dict:
    from briefwatch.extract import extract_article

    if not isinstance(rec, dict):
        raise ValueError("each line must be a JSON object")
    text, html = rec.get("text"), rec.get("html")
    if not isinstance(text, str) and not isinstance(html, str):
        raise ValueError("the article needs a 'text' or 'html' string")
    home = rec.get("home")
    if home is not None and not isinstance(home, dict):
        raise ValueError('\'home\' must be an object such as {"district": "Mê Linh"}')
    return extract_article(
        text if isinstance(text, str) else None,
        html if isinstance(html, str) else None,
        published=rec.get("published"),
        home=home,
        title=rec.get("title"),
        url=rec.get("url"),
        source=rec.get("source"),
    )


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


@click.command("extract")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def extract_cmd(files: tuple[Path, ...]) -> None:
    """Extract briefing events and documents from articles.

    Reads JSON Lines on stdin (url, source, title, published, home, text or html), or the .txt/.html
    FILES given; writes one JSON line per article, in order. A bad line gives {"error": ...}.
    """
    if files:
        for f in files:
            raw = f.read_text(encoding="utf-8", errors="replace")
            key = "html" if f.suffix.lower() in (".html", ".htm") else "text"
            try:
                out = _process({key: raw, "url": None})
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
                out = {"error": f"{f}: {type(exc).__name__}: {exc}"}
            _emit(out)
        return
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            out = _process(json.loads(line))
        except Exception as exc:  # noqa: BLE001
            out = {"error": f"line {n}: {type(exc).__name__}: {exc}"}
        _emit(out)
        sys.stdout.flush()


@click.command("score")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--text-only", is_flag=True, help="Give the engine bare text (no url, title or publish date).")
@click.option("-v", "verbose", is_flag=True, help="List every difference.")
@click.option(
    "--issuer-labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON {article id: {code: issuer_unit}} adding issuer labels to sets labelled elsewhere (issue #10).",
)
def score_cmd(paths: tuple[Path, ...], text_only: bool, verbose: bool, issuer_labels: Path | None) -> None:
    """Score the engine on labelled articles (ANNOTATION.md JSON files or folders of them)."""
    from briefwatch import scoring

    try:
        gold = scoring.load_labelled(paths)
        if issuer_labels is not None:
            scoring.add_issuer_labels(gold, json.loads(issuer_labels.read_text(encoding="utf-8")))
    except (scoring.LabelError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    res = scoring.score(gold, scoring.run(gold, text_only=text_only))
    details = res.pop("details")
    if verbose:
        for d in details:
            click.echo(f"--- {d['id']}")
            for k in ("missed", "extra", "fields"):
                if d[k]:
                    click.echo(f"  {k}: {d[k]}")
    click.echo(json.dumps(res))


def register(cli: click.Group) -> None:
    cli.add_command(extract_cmd)
    cli.add_command(score_cmd)

"""``briefwatch alerts ...`` (evaluate, send, list, silence, outbox, check) and ``briefwatch directives ...``."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from briefwatch.commands import iso_date, reader, writer


def _db(ctx: click.Context, *, write: bool = True):
    """The database, for writing (created in an existing directory) or, for the listing commands, read-only."""
    return writer(ctx) if write else reader(ctx)


def _rules(ctx: click.Context, *, quiet: bool = False):
    from alerts.rules import RulesError, load_rules

    try:
        rules = load_rules(ctx.obj["rules"])
    except RulesError as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        for err in rules.errors:
            click.echo(f"warning: {rules.path}: {err} (skipped)", err=True)
    return rules


def _now_for(as_of: dt.date | None) -> dt.datetime:
    """The timestamp of a run: now, or the end of the --as-of day when replaying a date."""
    now = dt.datetime.now(dt.UTC)
    if as_of and as_of < now.date():
        return dt.datetime.combine(as_of, dt.time(23, 0), tzinfo=dt.UTC)
    return now


def _latest_evaluated(db) -> dt.date | None:
    """The latest ``as_of`` already evaluated (alert_runs), if any."""
    row = db.execute("SELECT MAX(as_of) FROM alert_runs").fetchone()
    return dt.date.fromisoformat(row[0][:10]) if row and row[0] else None


def _emit(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


@click.group("alerts")
def alerts_group() -> None:
    """Evaluate the rules of alerts.yaml, queue and send supervisor digests."""


@alerts_group.command("evaluate")
@click.option(
    "--as-of", "as_of", callback=iso_date, help="Evaluate as on this date (YYYY-MM-DD); default today."
)
@click.option("--send/--no-send", default=False, help="Send the outbox right after.")
@click.option(
    "--dry-run", is_flag=True, help="Compute and print the summary; write no state and queue no mail."
)
@click.pass_context
def evaluate_cmd(ctx: click.Context, as_of: dt.date | None, send: bool, dry_run: bool) -> None:
    """Update every (rule, document, unit) state; queue one digest per recipient with news.

    --as-of may not be after today, nor before the latest day already evaluated (that would change what later
    evaluations send), except with --dry-run."""
    from alerts.evaluate import evaluate
    from alerts.outbox import send_pending

    rules = _rules(ctx)
    db = _db(ctx)
    today = dt.date.today()
    day = as_of or today
    if not dry_run:
        if day > today:
            raise click.ClickException(
                f"refusing --as-of {day}: it is after today ({today}); --dry-run shows what it would do"
            )
        latest = _latest_evaluated(db)
        if latest and day < latest:
            raise click.ClickException(
                f"refusing --as-of {day}: alerts were already evaluated as of {latest}, and evaluating an earlier "
                "day would change what later evaluations send; --dry-run shows what it would do"
            )
    summary = evaluate(db, rules, day, now=_now_for(as_of), dry_run=dry_run)
    _emit(summary)
    if send and not dry_run:
        s = rules.settings
        _emit(
            send_pending(
                db,
                _now_for(as_of),
                max_attempts=s.max_attempts,
                backoff_seconds=s.backoff_seconds,
                db_file=ctx.obj["db"],
            )
        )


@alerts_group.command("send")
@click.option(
    "--now",
    "flush",
    is_flag=True,
    help="Send every pending message now, whatever its retry backoff (a flush).",
)
@click.pass_context
def send_cmd(ctx: click.Context, flush: bool) -> None:
    """Send due outbox messages (SMTP from BRIEFWATCH_SMTP_URL, else .eml files in <db dir>/outbox/).

    The sender (From and SMTP envelope) is BRIEFWATCH_MAIL_FROM at send time, default briefwatch@localhost."""
    from alerts.outbox import send_pending
    from alerts.rules import RulesError, Settings, load_rules

    try:
        s = load_rules(ctx.obj["rules"]).settings
    except RulesError:
        s = Settings()
    try:
        out = send_pending(
            _db(ctx),
            max_attempts=s.max_attempts,
            backoff_seconds=s.backoff_seconds,
            db_file=ctx.obj["db"],
            flush=flush,
        )
    except ValueError as exc:  # a bad BRIEFWATCH_SMTP_URL
        raise click.ClickException(str(exc)) from None
    _emit(out)
    if out["dead"]:
        sys.exit(1)


@alerts_group.command("list")
@click.option("--rule")
@click.option("--document")
@click.option(
    "--issuer-unit",
    help="The body whose numbering the code is (thành phố Hà Nội, quận Cầu Giấy), when several use it.",
)
@click.option(
    "--state",
    type=click.Choice(
        ["not_due", "overdue", "reminded", "resolved", "silenced", "briefed", "no_coverage", "source_failing"]
    ),
)
@click.option("--unit", help="Unit name, any case or tone placement.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines instead of a table.")
@click.pass_context
def list_cmd(ctx: click.Context, rule, document, issuer_unit, state, unit, as_json: bool) -> None:
    """List alert states (default: the ones needing attention: overdue, reminded, silenced, unmonitored)."""
    from alerts.directives import label
    from alerts.keys import text_key

    db = _db(ctx, write=False)
    if document:  # codes are stored normalised: 24-ct/tu is 24-CT/TU
        from db.store import normalise_code

        document = normalise_code(document)
        known = db.execute(
            "SELECT 1 FROM alert_states WHERE document = ? UNION SELECT 1 FROM documents WHERE code = ?",
            [document, document],
        ).fetchone()
        if not known:
            raise click.ClickException(
                f"no document {document} in the database (see `briefwatch directives list --all`)"
            )
    if rule:
        names = {r.name for r in _rules(ctx, quiet=True).rules} | {
            r for (r,) in db.execute("SELECT DISTINCT rule FROM alert_states")
        }
        if rule not in names:
            raise click.ClickException(
                f"no rule {rule!r} in {ctx.obj['rules']} (rules: {', '.join(sorted(names)) or 'none'})"
            )
    where, args = [], []
    for col, val in (("rule", rule), ("document", document), ("state", state)):
        if val:
            where.append(f"{col} = ?")
            args.append(val)
    if issuer_unit:
        where.append("document_id IN (SELECT id FROM documents WHERE issuer_key = ?)")
        args.append(text_key(issuer_unit))
    if not state:
        where.append("state IN ('overdue', 'reminded', 'silenced', 'no_coverage', 'source_failing')")
    sql = (
        "SELECT rule, document, issuer_unit, document_id, unit, district, state, due_date, briefed_on, "
        "first_alerted_at, last_notified_at, silenced_until, silence_reason, event_id FROM alert_states"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY rule, document, issuer_unit, district, unit"
    )
    cur = db.execute(sql, args)
    cols = [c[0] for c in cur.description]
    n = 0
    for r in cur:
        row = dict(zip(cols, r, strict=True))
        if unit and text_key(unit) != text_key(row["unit"]):
            continue
        n += 1
        if as_json:
            _emit(row)
        else:
            extra = f" briefed {row['briefed_on']}" if row["briefed_on"] else ""
            if row["state"] == "silenced":
                extra += f" until {row['silenced_until'] or 'further notice'}: {row['silence_reason']}"
            click.echo(
                f"{row['rule']}\t{label(row['document'], row['issuer_unit'])}\t{row['district'] or '-'}\t{row['unit']}\t{row['state']}\tdue {row['due_date']}{extra}"
            )
    if not as_json:
        click.echo(f"{n} row(s)", err=True)


@alerts_group.command("silence")
@click.option("--document", required=True, help="Document code, e.g. 24-CT/TU.")
@click.option(
    "--issuer-unit",
    help="The body whose numbering the code is (thành phố Hà Nội, quận Cầu Giấy), when several use it.",
)
@click.option("--unit", help="Unit name (default: every unit of the document).")
@click.option("--district", help="Disambiguates a unit name found in several districts.")
@click.option("--rule", help="Only this rule (default: every rule).")
@click.option("--until", callback=iso_date, help="Silence until this date (exclusive); default: for good.")
@click.option("--reason", required=True)
@click.pass_context
def silence_cmd(ctx: click.Context, document, issuer_unit, unit, district, rule, until, reason) -> None:
    """Stop notifications about a unit's (or a document's) missing briefing until a date."""
    from alerts.evaluate import silence

    try:
        n = silence(
            _db(ctx),
            document=document.upper(),
            issuer_unit=issuer_unit,
            unit=unit,
            district=district,
            rule=rule,
            until=until,
            reason=reason,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not n:
        raise click.ClickException(
            "nothing to silence: no open state matches (evaluate first, or check the names)"
        )
    click.echo(f"silenced {n} state(s)")


@alerts_group.command("outbox")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "dead"]))
@click.option("--retry-dead", is_flag=True, help="Queue dead-lettered messages again.")
@click.pass_context
def outbox_cmd(ctx: click.Context, status, retry_dead: bool) -> None:
    """Show the outbox (or re-queue dead letters)."""
    from alerts.outbox import retry_dead as _retry

    db = _db(ctx, write=retry_dead)
    if retry_dead:
        click.echo(f"re-queued {_retry(db)} message(s)")
        return
    q = "SELECT id, status, attempts, recipient, subject, next_attempt_at, last_error FROM outbox"
    rows = db.execute(
        q + (" WHERE status = ?" if status else "") + " ORDER BY id", [status] if status else []
    ).fetchall()
    for r in rows:
        err = f"\t{r[6]}" if r[6] else ""
        click.echo(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}{err}")


@alerts_group.command("check")
@click.pass_context
def check_cmd(ctx: click.Context) -> None:
    """Validate alerts.yaml; exit 1 when an entry is bad."""
    rules = _rules(ctx)
    click.echo(
        f"{rules.path}: {len(rules.rules)} rule(s), {len(rules.recipients)} recipient(s), {len(rules.operators)} operator(s)"
    )
    if rules.errors:
        sys.exit(1)


@click.group("directives")
def directives_group() -> None:
    """The directives register: documents seen, which ones are watched, manual corrections."""


@directives_group.command("add")
@click.argument("code")
@click.option(
    "--issuer-unit",
    help="The body whose numbering the code is (thành phố Hà Nội, quận Cầu Giấy), when several use it.",
)
@click.option("--issued", callback=iso_date, help="Issue date (YYYY-MM-DD); corrects the extracted one.")
@click.option("--title", help="Title / subject.")
@click.option("--type", "type_", help="chi_thi, nghi_quyet, ket_luan, ke_hoach, ...")
@click.option("--issuer")
@click.option("--notes")
@click.option("--rule", help="Watch it for this rule only (default: every rule).")
@click.option("--watch/--no-watch", default=True, show_default=True)
@click.pass_context
def add_cmd(ctx: click.Context, code, issuer_unit, issued, title, type_, issuer, notes, rule, watch) -> None:
    """Add a document by hand or correct one (e.g. `add 25-CT/TU --issued 2023-09-20 --title "..."`)."""
    from alerts.directives import add_directive

    rules = _rules(ctx, quiet=True) if rule else None
    if rules is not None and rules.rule(rule) is None:
        raise click.ClickException(f"unknown rule {rule!r}")
    try:
        c = add_directive(
            _db(ctx),
            code,
            issuer_unit=issuer_unit,
            issued=issued,
            title=title,
            type=type_,
            issuer=issuer,
            notes=notes,
            watch=watch,
            rule=rule,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{c}: {'watched' if watch else 'recorded, not watched'}")


def _set(
    ctx: click.Context, code: str, watched: bool | None, rule: str | None, issuer_unit: str | None
) -> None:
    from alerts.directives import set_watched

    try:
        c = set_watched(_db(ctx), code, watched, rule=rule, issuer_unit=issuer_unit)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{c}: {({True: 'watched', False: 'unwatched', None: 'the rules decide'})[watched]}")


@directives_group.command("watch")
@click.argument("code")
@click.option(
    "--issuer-unit",
    help="The body whose numbering the code is (thành phố Hà Nội, quận Cầu Giấy), when several use it.",
)
@click.option("--rule", help="For this rule only (default: every rule).")
@click.pass_context
def watch_cmd(ctx: click.Context, code, issuer_unit, rule) -> None:
    """Watch a document even if no rule selects it."""
    _set(ctx, code, True, rule, issuer_unit)


@directives_group.command("unwatch")
@click.argument("code")
@click.option(
    "--issuer-unit",
    help="The body whose numbering the code is (thành phố Hà Nội, quận Cầu Giấy), when several use it.",
)
@click.pass_context
def unwatch_cmd(ctx: click.Context, code, issuer_unit) -> None:
    """Stop watching a document, whatever the rules say."""
    _set(ctx, code, False, None, issuer_unit)


@directives_group.command("reset")
@click.argument("code")
@click.option(
    "--issuer-unit",
    help="The body whose numbering the code is (thành phố Hà Nội, quận Cầu Giấy), when several use it.",
)
@click.pass_context
def reset_cmd(ctx: click.Context, code, issuer_unit) -> None:
    """Drop a manual watch/unwatch decision: the rules decide again (corrections are kept)."""
    _set(ctx, code, None, None, issuer_unit)


@directives_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every document seen, not only the watched ones.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def dlist_cmd(ctx: click.Context, show_all: bool, as_json: bool) -> None:
    """List watched documents (with the rules watching them), or every document with --all.

    Columns: code, issuer unit ("?" when unresolved), issue date, rules watching it, title. --json: one object
    per line with code, issuer_unit, type, issued, subject, watched_by, manual, notes."""
    from alerts.directives import register as reg

    rows = reg(_db(ctx, write=False), _rules(ctx), watched_only=not show_all)
    for r in rows:
        if as_json:
            _emit(r)
            continue
        by = ", ".join(f"{k} ({v})" for k, v in r["watched_by"].items()) or (
            "unwatched" if r["manual"] == "unwatch" else "-"
        )
        click.echo(
            f"{r['code']}\t{r['issuer_unit'] or '?'}\t{r['issued'] or 'undated'}\t{by}\t{r['title'] or ''}"
        )
    if not as_json:
        click.echo(f"{len(rows)} document(s)", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(alerts_group)
    cli.add_command(directives_group)

"""The first-briefing cache stays equal to a full recomputation when events are added, edited, deleted."""

from __future__ import annotations

from alerts.evaluate import evaluate
from tests.test_alerts_fixtures import World, rules_from


def _briefs(w: World) -> list[tuple]:
    return w.db.execute("SELECT document, ukey, bdate, event_id FROM alert_briefs ORDER BY 1, 2").fetchall()


def _check_against_full(w: World, rules, day: str) -> list[tuple]:
    evaluate(w.db, rules, day)
    incremental = _briefs(w)
    w.db.execute("DELETE FROM alert_brief_docs")  # forget the cache: the next run recomputes everything
    s = evaluate(w.db, rules, day)
    assert s["documents_recomputed"] == 1 and s["changed"] == 0
    assert _briefs(w) == incremental
    return incremental


def test_cache_follows_adds_edits_and_deletes(tmp_path):
    w = World(tmp_path / "bw.db")
    w.source("melinh", {"district": "Mê Linh"})
    w.document("24-CT/TU", "2023-08-07")
    rules = rules_from()
    a = w.event("xã Đại Thịnh", ["24-CT/TU"], "2023-08-25")
    b = _check_against_full(w, rules, "2023-09-01")
    assert [(r[2], r[3]) for r in b] == [("2023-08-25", a)]

    # an earlier briefing added (partial code): merged without recomputing the document
    e2 = w.event("xã Đại Thịnh", ["24-CT"], "2023-08-20")
    s = evaluate(w.db, rules, "2023-09-01")
    assert s["documents_merged"] == 1 and s["documents_recomputed"] == 0
    assert [(r[2], r[3]) for r in _briefs(w)] == [("2023-08-20", e2)]

    # the earlier event's date is corrected to after the first one: recomputed, the first one wins again
    w.db.execute("UPDATE events SET date = '2023-08-30' WHERE id = ?", [e2])
    assert [(r[2], r[3]) for r in _check_against_full(w, rules, "2023-09-01")] == [("2023-08-25", a)]

    # the first event is deleted: the corrected one remains
    w.db.execute("DELETE FROM events WHERE id = ?", [a])
    assert [(r[2], r[3]) for r in _check_against_full(w, rules, "2023-09-01")] == [("2023-08-30", e2)]

    # an undated event takes its article's publish date; a later correction of that date is followed
    e3 = w.event("xã Kim Hoa", ["24-CT/TU"], None, published="2023-08-28")
    got = dict((r[3], r[2]) for r in _check_against_full(w, rules, "2023-09-01"))
    assert got[e3] == "2023-08-28"
    w.db.execute(
        "UPDATE articles SET published = '2023-08-29' WHERE id = (SELECT article_id FROM event_evidence WHERE event_id = ?)",
        [e3],
    )
    got = dict((r[3], r[2]) for r in _check_against_full(w, rules, "2023-09-01"))
    assert got[e3] == "2023-08-29"


def test_one_pass_over_every_event_equals_the_per_document_recomputation(tmp_path, monkeypatch):
    """Many documents to recompute (a first run) take one ordered pass over every event; the cache must be the
    same rows as document by document."""
    import random

    from alerts import evaluate as ev
    from tests.test_alerts_fixtures import MELINH_COMMUNES

    w = World(tmp_path / "bw.db")
    w.source("melinh", {"district": "Mê Linh"})
    rnd = random.Random(7)
    codes = [f"{n}-CT/TU" for n in range(1, 13)]
    for i, code in enumerate(codes):
        w.document(code, f"2023-08-{1 + i:02d}")
    for _ in range(150):
        unit = rnd.choice(MELINH_COMMUNES)
        cited = rnd.sample(codes, rnd.choice([1, 2])) + (["3-CT"] if rnd.random() < 0.1 else [])
        day = f"2023-{rnd.choice(['07', '08', '09'])}-{rnd.randrange(1, 29):02d}"
        if rnd.random() < 0.1:  # undated: its article's publish date counts
            w.event(unit, cited, None, published=day)
        else:
            w.event(unit, cited, day)
    w.event("huyện Mê Linh", ["5-CT/TU"], "2023-08-20", unit_type="huyen", district=None)
    rules = rules_from()

    def cache(bulk_from: int) -> list[tuple]:
        monkeypatch.setattr(ev, "_BULK_DOCUMENTS", bulk_from)
        w.db.execute("DELETE FROM alert_brief_docs")
        w.db.execute("DELETE FROM alert_briefs")
        s = evaluate(w.db, rules, "2023-10-01")
        assert s["documents_recomputed"] == len(codes)
        return _briefs(w)

    per_document = cache(10**9)
    assert len(per_document) > 50  # most (document, commune) pairs briefed
    assert cache(1) == per_document

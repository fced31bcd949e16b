"""The engine against the labelled corpus (tests/corpus): precision/recall/F1 over (unit, directive) pairs and
the secondary accuracies, per set. Thresholds are the measured figures less a small margin: a regression on
any set fails here. Each set was first scored untuned (README, Accuracy); ``fresh2/`` was never tuned on."""

from pathlib import Path

import pytest

from briefwatch import scoring

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
# set -> minimum F1, minimum date/kind/attendees/district accuracy
THRESHOLDS = {"dev": (0.97, 0.95), "holdout": (0.97, 0.95), "fresh": (0.97, 0.95), "fresh2": (0.95, 0.90)}


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_corpus_set(name):
    folder = CORPUS / name
    gold = scoring.load_labelled([folder]) if folder.is_dir() else []
    if len(gold) < 20:
        pytest.skip(f"tests/corpus/{name} has {len(gold)} labelled articles")
    res = scoring.score(gold, scoring.run(gold))
    f1_min, acc_min = THRESHOLDS[name]
    assert res["f1"] >= f1_min, res["details"]
    for field in ("date_acc", "kind_acc", "attendees_acc", "district_acc"):
        assert res[field] >= acc_min, (field, res["details"])
    assert res["doc_recall"] >= 0.95


def test_score_cli_prints_the_metrics():
    from click.testing import CliRunner

    from briefwatch.cli import cli

    res = CliRunner().invoke(cli, ["score", str(CORPUS / "dev")])
    assert res.exit_code == 0, res.output
    assert '"f1": ' in res.output and '"precision": ' in res.output


def test_scorer_counts_partial_codes_and_tone_placement():
    gold = [
        {
            "events": [
                {
                    "unit": "xã Hòa Bình",
                    "directives": ["24-CT"],
                    "date": None,
                    "kind": "quan_triet",
                    "attendees": None,
                    "district": None,
                }
            ],
            "documents": [],
        }
    ]
    pred = [
        {
            "events": [
                {
                    "unit": "Xã Hoà Bình",
                    "directives": ["24-CT/TU", "25-CT/TU"],
                    "date": None,
                    "kind": "quan_triet",
                    "attendees": None,
                    "district": None,
                }
            ],
            "documents": [],
        }
    ]
    res = scoring.score(gold, pred)
    assert (res["pair_tp"], res["pair_fp"], res["pair_fn"]) == (1, 1, 0)
    assert res["precision"] == 0.5 and res["recall"] == 1.0


def test_scorer_measures_issuer_units_where_labelled():
    gold = [
        {
            "id": "x",
            "events": [],
            "documents": [
                {"code": "24-CT/TU", "issuer_unit": "tỉnh Nghệ An"},
                {"code": "133-KH/QU", "issuer_unit": "quận Cầu Giấy"},
                {"code": "7-KL/TW"},  # not labelled: not counted
            ],
        }
    ]
    pred = [
        {
            "events": [],
            "documents": [
                {"code": "24-CT/TU", "issuer_unit": "Tỉnh Nghệ An"},
                {"code": "133-KH/QU", "issuer_unit": None},
                {"code": "7-KL/TW", "issuer_unit": "trung ương"},
            ],
        }
    ]
    res = scoring.score(gold, pred)
    assert res["issuer_labelled"] == 2
    assert res["issuer_resolved"] == 0.5
    assert res["issuer_acc"] == 0.5
    assert res["issuer_precision"] == 1.0
    assert "issuer_unit of 133-KH/QU: gold='quận Cầu Giấy' got=None" in res["details"][0]["fields"]


def test_issuer_labels_kept_apart_are_merged_and_checked():
    gold = [{"id": "a", "events": [], "documents": [{"code": "24-CT/TU"}]}]
    assert scoring.add_issuer_labels(gold, {"a": {"24-ct/tu": "thành phố Hà Nội"}}) == 1
    assert gold[0]["documents"][0]["issuer_unit"] == "thành phố Hà Nội"
    with pytest.raises(scoring.LabelError):
        scoring.add_issuer_labels(gold, {"a": {"25-CT/TU": None}})

"""k-anonymity of the released quasi-identifiers, checked by an independent library (pycanon)
over random small populations, and the pieces of de-identification around it."""

import hashlib
import hmac
import uuid

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycanon import anonymity

from research.export.deidentify import (
    QUASI_IDENTIFIERS,
    gender_code,
    k_anonymise,
    region_code,
    research_id,
    research_ids,
)
from spheres.spreadsheets import neutralise

QI = [qi.name for qi in QUASI_IDENTIFIERS]

record = st.fixed_dictionaries(
    {
        "gender": st.sampled_from(["woman", "woman", "woman", "man", "other", "not_recorded"]),
        "age_at_entry": st.integers(min_value=12, max_value=24),
        "region": st.sampled_from(
            ["montreal", "montreal", "laval", "monteregie", "other_region", "not_recorded"]
        ),  # fmt: skip
        "referring_sector": st.sampled_from(
            [
                "institutional",
                "community",
                "police",
                "specialised",
                "outside_program",
                "not_recorded",
            ]
        ),  # fmt: skip
        "entry": st.builds(
            lambda y, m: f"{y}-{m:02d}",
            st.integers(min_value=2019, max_value=2026),
            st.integers(min_value=1, max_value=12),
        ),
    }
)


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(record, min_size=0, max_size=80),
    k=st.integers(min_value=5, max_value=8),
    budget=st.sampled_from([0, 5, 10]),
)
def test_every_released_combination_occurs_at_least_k_times_or_is_suppressed(records, k, budget):
    result = k_anonymise(records, k=k, max_suppression_percent=budget)

    assert len(result.values) == len(records)
    released = [v for v in result.values if v is not None]
    assert result.suppressed == len(records) - len(released)
    if len(records) >= k:
        # Suppression stays within the budget: generalising further is always possible.
        assert result.suppressed <= len(records) * budget // 100
    else:
        assert result.suppressed == len(records)  # fewer than k people cannot be hidden
    if released:
        frame = pd.DataFrame([{q: str(v[q]) for q in QI} for v in released])
        assert anonymity.k_anonymity(frame, QI) >= k


def test_suppression_happens_only_when_generalising_is_not_enough():
    # Ten identical records but one: generalising age to bands hides the odd one.
    records = [
        {"gender": "woman", "age_at_entry": 16, "region": "montreal",
         "referring_sector": "community", "entry": "2024-05"}
        for _ in range(10)
    ]  # fmt: skip
    records.append({**records[0], "age_at_entry": 17})
    result = k_anonymise(records, k=5, max_suppression_percent=0)
    assert result.suppressed == 0
    assert result.levels["age_at_entry"] > 0
    assert {v["age_at_entry"] for v in result.values} == {"15-17"}


def test_rare_gender_identities_become_other():
    records = [
        {"gender": g, "age_at_entry": 16, "region": "montreal",
         "referring_sector": "community", "entry": "2024-05"}
        for g in ["woman"] * 8 + ["man"] * 2 + ["other"] * 3
    ]  # fmt: skip
    result = k_anonymise(records, k=5, max_suppression_percent=0)
    assert result.gender_merged == ["man"]
    assert sorted(v["gender"] for v in result.values) == ["other"] * 5 + ["woman"] * 8


@pytest.mark.parametrize(
    ("typed", "code"),
    [("femme", "woman"), ("Femme ", "woman"), ("HOMME", "man"), ("non binaire", "other"),
     ("femme trans", "other"), ("", "not_recorded"), ("Bispirituel·le", "other")],
)  # fmt: skip
def test_the_gender_free_text_is_never_released_only_its_group(typed, code):
    assert gender_code(typed) == code


@pytest.mark.parametrize(
    ("area", "region"),
    [("Ville-Marie", "montreal"), ("4821 rue X, Hochelaga-Maisonneuve", "montreal"),
     ("Laval (Chomedey)", "laval"), ("Longueuil (Vieux-Longueuil)", "monteregie"),
     ("Gatineau", "outaouais"), ("Quelque part", "other_region"), ("", "not_recorded")],
)  # fmt: skip
def test_the_area_becomes_a_region(area, region):
    assert region_code(area) == region


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("x")', "+1+1", "@SUM(A1)", "-2+3", "\t=1+2", "\r=1+2"]
)
def test_formula_like_text_gets_a_leading_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Discussion informelle", "12-14", "", "'déjà"])
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value


def test_research_ids_depend_on_the_key():
    assert research_id("a" * 40, 7) == research_id("a" * 40, 7)
    assert research_id("a" * 40, 7) != research_id("b" * 40, 7)
    assert len(research_id("a" * 40, 7)) == 16


def test_research_ids_stay_the_same_from_one_export_to_the_next():
    """Waves are linked by research ID: the same key and id give the same ID whatever the code
    path (one id or a cohort; the UUID or the text PostgreSQL gives for it)."""
    key = "a" * 40
    ids = [uuid.UUID(int=7), uuid.UUID(int=2**100 + 3), uuid.uuid4()]
    expected = [
        hmac.new(key.encode(), f"participant:{i}".encode(), hashlib.sha256).hexdigest()[:16]
        for i in ids
    ]
    assert research_ids(key, ids) == expected
    assert research_ids(key, [str(i) for i in ids]) == expected
    assert [research_id(key, i) for i in ids] == expected
    assert research_id(key, uuid.UUID(int=7)) == "7c5774297fef1c0b"  # as exports have given it

import datetime

from committees.rules import add_months, names_in, redact, referral_number, series_dates


def test_names_are_found_as_whole_words_whatever_the_case_and_accents():
    names = ["Marie-Ève", "Tremblay", ""]
    assert names_in("MARIE EVE et tremblay sont venues", names) == ["eve", "marie", "tremblay"]
    assert names_in("Le tremblement de terre, la marée", names) == []
    assert names_in("", names) == []


def test_redaction_replaces_each_name_by_the_identifier_and_keeps_the_rest():
    text = "Marie-Ève Tremblay a vu TREMBLAY et Éve."
    assert redact(text, ["Marie-Ève", "Tremblay"], "#2026-01") == (
        "#2026-01 #2026-01 a vu #2026-01 et #2026-01."
    )
    assert redact("Rien à signaler.", ["Tremblay"], "#2026-01") == "Rien à signaler."


def test_quarterly_series_keep_the_day_or_the_last_day_of_the_month():
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert series_dates(datetime.date(2026, 1, 15), "quarterly", 3) == [
        datetime.date(2026, 1, 15),
        datetime.date(2026, 4, 15),
        datetime.date(2026, 7, 15),
    ]
    assert series_dates(datetime.date(2026, 1, 1), "weekly", 2)[1] == datetime.date(2026, 1, 8)


def test_a_candidate_is_named_by_referral_number():
    assert referral_number(42) == "R-0042"

from __future__ import annotations

from qualcode.fuzzy import best, score


def test_substring_beats_subsequence_and_word_starts_win() -> None:
    assert score("pois", "Poisoning") is not None
    assert score("pois", "Poisoning") > (score("psn", "Poisoning") or 0)  # type: ignore[operator]
    assert score("nrs", "Nobody responsible for security") is not None


def test_scattered_letters_do_not_match() -> None:
    assert score("pois", "Nobody responsible for security") is None
    assert score("xyz", "Evasion") is None


def test_path_matches_and_names_are_preferred() -> None:
    assert best("attacks", "Evasion", "Attacks mentioned/Evasion") is not None
    name = best("evasion", "Evasion", "Attacks mentioned/Evasion")
    path_only = best("mentioned", "Evasion", "Attacks mentioned/Evasion")
    assert name is not None and path_only is not None and name > path_only

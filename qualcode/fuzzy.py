"""Fuzzy matching of what a coder types against code names and paths (no dependencies)."""

from __future__ import annotations


def score(query: str, candidate: str) -> float | None:
    """How well ``query`` matches ``candidate``: None when its letters are not all there in
    order; higher is better (consecutive letters, word starts and short candidates win)."""
    query = query.casefold().strip()
    if not query:
        return 0.0
    text = candidate.casefold()
    if query in text:
        at = text.index(query)
        at_word = at == 0 or not text[at - 1].isalnum()
        return 100.0 + (20 if at_word else 0) - at * 0.1 - len(text) * 0.01
    total = 0.0
    good = 0  # letters that continue a run or start a word: a tight match
    letters = 0
    position = 0
    previous = -2
    for char in query:
        if char == " ":
            continue
        letters += 1
        found = text.find(char, position)
        if found < 0:
            return None
        tight = False
        if found == previous + 1:
            total += 5
            tight = True
        if found == 0 or not text[found - 1].isalnum():
            total += 3
            tight = True
        good += tight
        total += 1
        previous = found
        position = found + 1
    if good < letters - 1:  # letters scattered all over the name: not what was meant
        return None
    return total - len(text) * 0.01


def best(query: str, name: str, path: str) -> float | None:
    """The better of matching the name (slightly preferred) and the path."""
    by_name = score(query, name)
    by_path = score(query, path)
    found = [s for s in (None if by_name is None else by_name + 1, by_path) if s is not None]
    return max(found) if found else None

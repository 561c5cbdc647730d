"""Character-level text generated from a small grammar, for next-character models offline.

A real corpus (the 'Alice' lab reads the whole book) needs a download; sentences drawn from a
built-in grammar keep what makes the task learnable - words repeat, spelling is fixed and
sentences follow a pattern - so a recurrent model clearly beats guessing, and the whole set is
reproducible from the seed.
"""

from __future__ import annotations

import numpy as np

ALPHABET = " .abcdefghijklmnopqrstuvwxyz"
# Class names a person can read in a list: the space character would show as nothing.
CHAR_NAMES = ["space" if c == " " else c for c in ALPHABET]

_CHARACTERS = [
    "alice",
    "the rabbit",
    "the queen",
    "the hatter",
    "the cat",
    "the king",
    "the mouse",
    "the duchess",
    "the turtle",
]
_THINGS = [
    "the garden",
    "the door",
    "the key",
    "the tea",
    "the cake",
    "the bottle",
    "the hole",
    "the table",
    "the tree",
]
_TRANSITIVE = ["saw", "met", "followed", "called", "found", "asked", "watched", "pushed"]
_INTRANSITIVE = [
    "ran away",
    "fell asleep",
    "sat down",
    "looked up",
    "smiled",
    "cried",
    "laughed",
    "grew tall",
]
_PLACES = [
    "in the garden",
    "by the door",
    "under the tree",
    "at the table",
    "down the hole",
    "near the river",
]


def _sentence(rng: np.random.Generator) -> str:
    """One sentence: a character does something to someone or something, maybe somewhere."""

    def pick(words: list[str]) -> str:
        return words[int(rng.integers(len(words)))]

    subject = pick(_CHARACTERS)
    if rng.random() < 0.5:
        objects = _CHARACTERS + _THINGS
        clause = f"{subject} {pick(_TRANSITIVE)} {pick(objects)}"
    else:
        clause = f"{subject} {pick(_INTRANSITIVE)}"
    if rng.random() < 0.4:
        clause += f" {pick(_PLACES)}"
    if rng.random() < 0.2:
        clause += f" and {pick(_CHARACTERS)} {pick(_INTRANSITIVE)}"
    return clause + "."


def generate_text(length: int, seed: int = 0) -> str:
    """At least ``length`` characters of sentences joined by spaces, all in ``ALPHABET``."""
    rng = np.random.default_rng(seed)
    sentences: list[str] = []
    total = 0
    while total < length:
        sentences.append(_sentence(rng))
        total += len(sentences[-1]) + 1
    return " ".join(sentences)


def make_char_windows(
    n: int, seed: int = 0, window: int = 10, stride: int = 3
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``n`` windows of ``window`` character ids, each labelled with the id that follows it.

    Windows start every ``stride`` characters, as in the 'Alice' lab, so neighbouring windows
    share most of their text but each target is a different position in it.
    """
    text = generate_text(n * stride + window + 1, seed)
    lookup = {c: i for i, c in enumerate(ALPHABET)}
    ids = np.array([lookup[c] for c in text], dtype=np.int32)
    starts = np.arange(n) * stride
    x = ids[starts[:, None] + np.arange(window)[None]]
    y = ids[starts + window].astype(np.int64)
    return x, y, CHAR_NAMES

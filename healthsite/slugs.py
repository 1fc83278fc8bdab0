"""Slugs: the one place names become URL parts and lookup keys."""

from __future__ import annotations

import functools

from slugify import slugify

_APOSTROPHES = [["'", ""], ["\u2019", ""]]


@functools.lru_cache(maxsize=200_000)
def make_slug(name: str) -> str:
    """`Heat or cold therapy` -> `heat-or-cold-therapy`; `Parkinson's` -> `parkinsons`."""
    return slugify(name, replacements=_APOSTROPHES, max_length=80, word_boundary=True)


def number_variants(key: str) -> list[str]:
    """The slug itself, then its singular and plural forms (last word only)."""
    variants = [key]
    if key.endswith("ies"):
        variants.append(key[:-3] + "y")
    if key.endswith("es"):
        variants.append(key[:-2])
    if key.endswith("s") and not key.endswith("ss"):
        variants.append(key[:-1])
    if key.endswith("y"):
        variants.append(key[:-1] + "ies")
    variants += [key + "s", key + "es"]
    return list(dict.fromkeys(variants))

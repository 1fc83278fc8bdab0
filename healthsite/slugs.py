"""Slugs: the one place names become URL parts and lookup keys."""

from __future__ import annotations

import array
import functools
import inspect
import re
import sys
import unicodedata
from pathlib import Path

from slugify import slugify

_APOSTROPHES = [["'", ""], ["\u2019", ""]]
MAX_LENGTH = 80
# ASCII words joined by single spaces or hyphens: what slugify makes of such a name is the
# name in lower case with its spaces as hyphens (tests/test_slugs.py holds it to slugify).
# Most names are such names, and slugify costs 25 us a name: half a second for a new
# process at 10,000 articles.
PLAIN_NAME = re.compile(r"[A-Za-z0-9]+(?:[ -][A-Za-z0-9]+)*")


@functools.lru_cache(maxsize=200_000)
def make_slug(name: str) -> str:
    """`Heat or cold therapy` -> `heat-or-cold-therapy`; `Parkinson's` -> `parkinsons`."""
    if len(name) <= MAX_LENGTH and PLAIN_NAME.fullmatch(name):
        return name.lower().replace(" ", "-")
    return slugify(name, replacements=_APOSTROPHES, max_length=MAX_LENGTH, word_boundary=True)


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


@functools.lru_cache(maxsize=1)
def _collator():
    from pyuca import Collator  # the Unicode Collation Algorithm: "Übermüdung" sorts among the U's

    return Collator()


def sort_key(name: str) -> bytes:
    """A name's place in an A to Z list, as a reader of any language expects it: the
    collator's key (`compact`)."""
    key = _ascii_sort_key(name) if name.isascii() else None
    return compact(key if key is not None else _collator().sort_key(name))


def compact(weights: tuple[int, ...]) -> bytes:
    """A collation key as bytes that sort as the weights do: each weight in two bytes, big
    end first (the table's weights, and the implicit weights pyuca makes, are at most
    0xFFFF; array refuses a larger one). A 36-weight key takes 105 bytes, not 900 as a
    tuple of ints: every article and entity holds one (10 MB at 10,000 articles)."""
    packed = array.array("H", weights)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes()


def _ascii_sort_key(name: str) -> tuple | None:
    """The collator's key of an ASCII name, made from its weights of the ASCII characters
    alone (None where it has none for one). Loading the collator takes half a second and
    10 MB, in every process that sorts a name it has not seen: most names are ASCII."""
    weights = _ascii_weights()
    if weights is None:
        return None
    try:
        elements = [element for char in name for element in weights[char]]
    except KeyError:
        return None
    # As the collator makes a key: each level's non-zero weights in turn, a 0 before the next
    # level (its fourth has no weights here: the table gives three).
    return tuple([weight for level in range(3) for weight in [e[level] for e in elements if e[level]] + [0]])


ASCII_LINE = re.compile(r"^00([0-7][0-9A-F])\s*;([^#\n]*)", re.M)  # one ASCII code point's weights
ASCII_RUN = re.compile(r"^00[0-7][0-9A-F](?: 00[0-7][0-9A-F])+\s*;", re.M)  # weights of ASCII characters together


@functools.lru_cache(maxsize=1)
def _ascii_weights() -> dict[str, tuple[tuple[int, int, int], ...]] | None:
    """Each ASCII character's collation elements, read from the collator's own table file
    (a twentieth of a second, not the table's 30,000 lines made into a trie)."""
    from pyuca import Collator

    try:
        return ascii_weights_in(Path(inspect.getfile(Collator)).with_name(f"allkeys-{Collator.UCA_VERSION}.txt")
                                .read_text(encoding="utf-8"))
    except (OSError, ValueError, ImportError, AttributeError):  # a table or a pyuca not as read here: the collator's
        return None


def ascii_weights_in(table: str) -> dict[str, tuple[tuple[int, int, int], ...]] | None:
    """The ASCII characters' elements in a collation table's text; None where the table gives
    a run of ASCII characters weights of their own, which only the collator applies."""
    from pyuca.collator import COLL_ELEMENT_PATTERN

    if ASCII_RUN.search(table):
        return None
    return {chr(int(code, 16)): tuple(tuple(int(weight, 16) for weight in found.groups())
                                      for found in COLL_ELEMENT_PATTERN.finditer(elements))
            for code, elements in ASCII_LINE.findall(table)}


class SortKeys:
    """`sort_key` of each name asked for, kept in the build cache: the collator takes a
    fifth of a second to load, in every new process, and an edit rarely brings a new name."""

    def __init__(self, known: dict[str, bytes] | None = None):
        self.known = known if known is not None else {}
        self.added = False  # since loaded: the cache saves it again

    def __call__(self, name: str) -> bytes:
        key = self.known.get(name)
        if key is None:
            key = self.known[name] = sort_key(name)
            self.added = True
        return key

    def remember(self, name: str, key: bytes) -> None:
        """A key made elsewhere (a parse worker's)."""
        if name not in self.known:
            self.known[name] = key
            self.added = True


def initial(name: str) -> str:
    """The letter a name is listed under: `Übermüdung` -> `U`, `éclair` -> `E`, `5-HT` -> `#`."""
    first = unicodedata.normalize("NFKD", name.strip()[:1])[:1].upper()
    return first if first.isalpha() and first.isascii() else ("#" if not first.isalpha() else first)

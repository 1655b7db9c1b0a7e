"""The word lists the name detector looks words up in, taken from the Faker package's data.

Faker (MIT, maintained, on PyPI) ships, for 86 locales from Ireland to Nigeria, Japan to
Peru, the first and family names its person provider draws from, the countries, regions and
cities its address provider draws from, and a list of about a thousand common English words.
Only names written in the Latin alphabet are kept: the scanner looks for names in running
Latin-script text, and other scripts would only cost memory.

The lists are built once per process, on the first scan that looks for names (about half a
second), and kept as frozensets of lower-case words (about eight megabytes; Faker's modules,
which importing it loads for every locale, hold about thirty more). Faker's own generator is
never created: only the providers' class attributes are read.

Faker's English place lists are generated ("Lake Mariaberg"), so a short list of well-known
places that share their name with a person is added here (Paris, Florence, Austin, ...).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Faker's person providers name their lists by what they hold ("first_names_female",
# "last_names_common", "first_romanized_names", ...): the prefix says first or family name.
_FIRST_PREFIXES = ("first_name", "first_romanized")
_LAST_PREFIXES = ("last_name", "last_romanized")
_PLACE_ATTRIBUTES = (
    "cities",
    "city_names",
    "countries",
    "states",
    "provinces",
    "regions",
    "counties",
    "municipalities",
    "departments",
    "prefectures",
)


# Places written in English that are also given or family names in Faker's lists.
_PLACES_NAMED_LIKE_PEOPLE = """
Adelaide Alexandria Amsterdam Athens Atlanta Austin Berlin Boston Brighton Brisbane
Brooklyn Cairo Camden Canberra Charleston Charlotte Chelsea Chester Cleveland Dallas Darwin
Denver Detroit Dublin Durban Florence Geneva Hamilton Havana Houston Jackson Jakarta Kent
Kingston Lima London Lincoln Lourdes Madison Madrid Memphis Milan Montgomery Moscow Nairobi
Naples Nelson Orlando Oxford Paris Perth Phoenix Quebec Raleigh Regina Richmond Rome
Savannah Seattle Sofia Stanley Sydney Tokyo Toronto Troy Valencia Vienna Warsaw Washington
Wellington Windsor York Zurich
"""


@dataclass(frozen=True)
class NameLists:
    """Lower-case words: given names, family names, place names, common English words."""

    first: frozenset[str]
    last: frozenset[str]
    places: frozenset[str]
    well_known_places: frozenset[str]
    common: frozenset[str]
    first_or_last_lower: frozenset[str]  # the names again, for finding them written in lower case


def key(word: str) -> str:
    """The form every list is kept in: lower case, with a straight apostrophe."""
    return word.lower().replace("’", "'")


def _latin(word: str) -> bool:
    return word.isascii() or all(ch < "\u0250" for ch in word)


def _strings(value: object) -> Iterator[str]:
    """The names held by a provider attribute: a tuple, list or weighted dict of strings."""
    if isinstance(value, dict):
        value = value.keys()
    if isinstance(value, (tuple, list, type({}.keys()))):
        for item in value:
            if isinstance(item, str):
                yield item


def _provider_classes(package: str) -> Iterator[type]:
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__):
        yield importlib.import_module(f"{package}.{info.name}").Provider


def _words(values: Iterable[str], *, split: bool = False) -> set[str]:
    out: set[str] = set()
    for value in values:
        if not value or not _latin(value):
            continue
        out.add(key(value))
        if split and " " in value:
            out.update(key(part) for part in value.split() if len(part) > 2)
    return out


@functools.cache
def name_lists() -> NameLists:
    """Build the lists once; every later call returns the same object."""
    first: list[str] = []
    last: list[str] = []
    for provider in _provider_classes("faker.providers.person"):
        for attribute, value in vars(provider).items():
            if attribute.endswith("_formats"):
                continue
            if attribute.startswith(_FIRST_PREFIXES):
                first.extend(_strings(value))
            elif attribute.startswith(_LAST_PREFIXES):
                last.extend(_strings(value))
    places: list[str] = _PLACES_NAMED_LIKE_PEOPLE.split()
    for provider in _provider_classes("faker.providers.address"):
        for attribute in _PLACE_ATTRIBUTES:
            places.extend(_strings(vars(provider).get(attribute)))
    from faker.providers.lorem.en_US import Provider as EnglishWords

    first_names, last_names = frozenset(_words(first)), frozenset(_words(last, split=True))
    return NameLists(
        first=first_names,
        last=last_names,
        first_or_last_lower=first_names | last_names,
        places=frozenset(_words(places)),
        well_known_places=frozenset(_words(_PLACES_NAMED_LIKE_PEOPLE.split())),
        common=frozenset(_words(EnglishWords.word_list)),
    )

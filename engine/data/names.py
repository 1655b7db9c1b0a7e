"""Finding people's names in running text: known names, capitalisation and the words around.

Every run of capitalised words ("Priya Raman", "Grace Hopper Blend", "Juniper") is a
candidate. Leading words such as "Thanks", "Our" or "Meet" are not part of it but say what
comes next. A candidate is taken for a name when

- it follows a title ("Dr Okafor"), or
- it is a known given name followed by a family name ("Marcus Oyelaran"), or a capitalised
  word followed by a known family name ("Chidi Okafor"), or
- the words before it are a strong cue (a greeting, "photo by", "our barista", "thanks to",
  "credits:"), or a weaker one ("from", "to", "with", "by", "and") and it is a known name, or
- it is a known given name in the middle of a sentence that is not also an everyday word
  ("we asked Kenji"), or at the start of one with a cue after it ("Kenji said").

It is left alone when it ends in a product or place word ("Grace Hopper Blend", "Driftwood
mug", "Harley Street"), is a known place, was seen as a product in an earlier row of the same
data, or holds a word the user marked "not personal". Each finding says why in a few words.

The name lists come from `engine.data.name_lists` (the Faker package's data, loaded on first
use). Precision and recall on a labelled set never tuned on: `bench/pii_eval.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from engine.data.name_lists import NameLists, key, name_lists


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Capital letters of the Latin alphabet, with accents (Á, Ł, Ş, Ž ...).
_UPPER = "".join(chr(c) for c in range(0x41, 0x250) if chr(c).isupper() and chr(c).isalpha())
_WORD = rf"[{_UPPER}][^\W\d_]*(?:['’][^\W\d_]+)?(?:-[^\W\d_]+)*"
_PARTICLE = r"(?:de|da|del|della|di|do|dos|das|du|van|von|der|den|ter|bin|binti|ibn|al|el|la|le)"
# A run: capitalised words (or initials) one space apart, with particles ("van der") inside.
_RUN = re.compile(
    rf"(?<![\w'’@#/.-])(?:{_WORD}|[{_UPPER}]\.)(?: (?:{_PARTICLE} )*(?:{_WORD}|[{_UPPER}]\.))*"
)

_TITLES = _word_set(
    "mr mrs ms miss mx dr prof professor sir dame lady lord madam mme mlle herr frau señor "
    "señora sr sra dra nonna nana auntie uncle grandma grandpa granny abuela abuelo tia tio oma "
    "opa chef coach"
)
# Words that start a run but are never part of a name; they may still be a cue.
_LEADING = _word_set(
    """a an the our your my his her their its this that these those we i you he she they it
    thanks thank dear hi hello hey meet ask welcome congratulations congrats cheers regards
    best love sincerely yours signed kind warm warmest many big huge special lovely a note message
    photo photos photography illustration illustrations illustrated credit credits words
    design designed styling interview quote quotes written edited hosted shot baked
    founded nominated recipe poem painted tip team happy merry good great dearest
    by from to with and or for in on at of as if when after before every each all this
    shout hats kudos cc attn re fw fwd ps pps
    everyone everybody there folks friends guys sir madam customer customers client clients
    colleagues partners reader readers subscriber subscribers member members valued hiring
    manager support sales marketing again world admin board success service
    monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight yesterday
    now then also so but here just still please sorry last next later soon finally recently
    january february march july september october november december"""
)
# Words that, ending a run or right after it, make it a product, a place or an organisation.
_THING_WORDS = _word_set(
    """blend blends roast roasts decaf coffee coffees cafe café espresso latte lattes mocha tea
    teas chai brew brews cold bakery kitchen diner bar kiosk shop shops store market mug mugs
    tote totes flask bag bags box bundle kit kits collection edition series club circle
    festival fest week day days night nights cup award awards league prize street st road rd
    avenue ave lane square station bridge bay falls lake mount valley farm farms roasters
    roastery roasteries co company inc ltd llc gmbh studio works foundation university college
    school hotel restaurant pancakes muffins muffin cookie cookies cake sponge buns bun biscotti
    sauce syrup omelette toastie sandwich boots rice pods magazine radio times post news
    podcast show line airport harbour harbor heights centre center church cathedral museum
    gallery theatre theater cinema island isle beach coast gardens garden peaberry selecto
    honey chocolate cocoa bear rabbit marathon tailoring candle candles soap lamp blanket scarf
    hoodie tee shirt jacket sneakers shoes jeans dress bottle glass plate bowl notebook range
    set pack hall house arena plaza room rooms sweater jumper cardigan backpack hat cap socks
    apron fundraiser appeal campaign trust fund society institute hills springs harbour"""
)

_STRONG_CUE = re.compile(
    r"(?:\b(?:dear|hi|hello|hey|thanks|thank you|cheers|congratulations|congrats|welcome|"
    r"kudos|regards|wishes|sincerely|love|yours|best,|warmly|signed|meet|ask(?: for)?|"
    r"(?:photos?|photography|photographed|illustrations?|illustrated|styling|styled|design|"
    r"designed|words|written|edited|hosted|shot|baked|founded|nominated|recipe|poem|painted|"
    r"created|video|music|interview|translated|guided|led|run|quotes?) by|"
    r"photo credit|credits?|photography|illustrations?|illustration|styling|words|design|"
    r"interview with|in conversation with|(?:spoke|talked|chatted) (?:to|with)|"
    r"(?:thanks|thank you|shout-?out|hats off|kudos|congratulations|gratitude|hug) to|"
    r"(?:quote|message|note|card|words|tip|letter|recipe|email|review|feedback|advice|update) "
    r"from|according to|"
    r"in (?:loving )?memory of|courtesy of|"
    r"(?:our|my|your|the) (?:(?:head|new|lead|senior|junior|regional|cupping|shop|guest|"
    r"co-?)[ -]?)?(?:roasters?|baristas?|founders?|co-?founders?|ceo|manager|bakers?|"
    r"interns?|friends?|neighbou?rs?|chefs?|owners?|lead|designers?|artists?(?: in residence)?|"
    r"colleagues?|customers?|clients?|regulars?|growers?|farmers?|hosts?|partners?|writers?|"
    r"editors?|photographers?|illustrators?)|"
    r"(?:from|of) our (?:founder|ceo|friend|team member))"
    r"|[”\"],? (?:says|said|wrote|writes|adds|added|asks|asked))[\s:,]*$",
    re.IGNORECASE,
)
_WEAK_CUE = re.compile(
    r"\b(?:from|to|with|by|for|and|says|said|writes|wrote|asked|told|cc|via|is|meet|reach|call|"
    r"contact|email|ping|tell)[\s:,]*$",
    re.IGNORECASE,
)
_CUE_AFTER = re.compile(
    r"(?:['’]s)?(?:,? (?:said|says|told|wrote|writes|asked|explains|recommends|who|from|"
    r"at our|of our|our)\b|, (?:our|the|a|who)\b| \((?:she|he|they)\b)",
    re.IGNORECASE,
)
# The last word of every cue above: a run whose preceding word is none of these (most runs:
# sentence starts, words after "the" or "in") skips the cue patterns altogether.
_CUE_END_WORDS = _word_set(
    """dear hi hello hey thanks you cheers congratulations congrats welcome kudos regards wishes
    sincerely love yours best warmly signed adds added asks meet ask for by credit credits photography illustration
    illustrations styling words design with to from according of memory lead roaster roasters
    barista baristas founder founders cofounder co-founder co-founders ceo manager baker
    bakers intern interns friend friends neighbour neighbours neighbor neighbors chef chefs
    owner owners designer designers artist artists residence colleague colleagues customer
    customers client clients regular regulars grower growers farmer farmers host hosts partner
    partners writer writers editor editors photographer photographers illustrator
    illustrators member review feedback advice update and says said writes wrote asked told cc via is reach call contact
    email ping tell"""
)
_FOLLOWING_WORD = re.compile(r"\s+([a-z]+)")
_PARTICLES = frozenset(_PARTICLE[3:-1].split("|"))
# A name before words such as ", our roaster" or ", who": any capitalised word will do.
_ROLE_AFTER = re.compile(
    r", (?:our|my|the|a) (?:new |head |lead )?(?:roaster|barista|founder|co-founder|ceo|manager|"
    r"baker|intern|friend|neighbou?r|chef|owner|designer|artist|colleague|customer|client|"
    r"regular|grower|farmer|host|partner|writer|editor|photographer|illustrator)\b|, who\b"
)
# A list of given names ("Ingrid, Pablo and Mei"): the word after this one is a name too.
_LIST_NEXT = re.compile(r"(?:,| and| &|, and) ([A-Z][^\W\d_]+)")
_PLACE_AFTER = re.compile(r", ([A-Z][^\W\d_]+(?: [A-Z][^\W\d_]+)?)")
_DETERMINERS = _word_set("the a an our your their this that these those its new every each my")
_MONTHS = _word_set("april may june july august")
# Place names start with these: "Lake Victoria", "San Diego", "Port Elizabeth", "Cape Town".
_PLACE_STARTS = _word_set(
    "lake mount mt port fort cape san santa santo são sao saint st ste puerto porto monte "
    "isle rio new north south east west upper lower great little old"
)
# Things named after people end in these, which are also family names: "Jane Hall" stays a
# person, "Expo Hall" does not.
_SURNAME_THINGS = _word_set("hall house park lane hill bridge church bay")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-zà-ÿ][a-zà-ÿ'’]{2,}")
_GREETING = re.compile(r"(?:hi|hello|hey|welcome)$", re.IGNORECASE)  # "Hello Dallas!"
_LISTED = re.compile(r"(?:, | and | & |, and )")
_POSSESSIVE = re.compile(r"['’]s [a-z]")  # "Hannah's draft"
_END = re.compile(r"[?!.]")
_SENTENCE_ENDS = frozenset(".!?…:;\"”“’‘'()|\n")
_DASHES = frozenset("—–~-")


@dataclass(frozen=True)
class NameFinding:
    start: int
    end: int
    value: str
    reason: str


@dataclass
class NameMemory:
    """What the detector learns across the rows of one set of data.

    `not_personal` holds words and phrases the user marked as not personal (their brand,
    their own byline): any candidate containing one is left alone. `products` collects
    capitalised phrases seen as products in earlier rows ("grace hopper" from "the Grace
    Hopper Blend"), left alone afterwards; `everyday` collects known names seen written in
    lower case ("grace", "summer", "sponge"), which are then no longer enough on their own.
    """

    not_personal: frozenset[tuple[str, ...]] = frozenset()
    products: set[str] = field(default_factory=set)
    everyday: set[str] = field(default_factory=set)

    @classmethod
    def marked(cls, words: Iterable[str]) -> NameMemory:
        """A memory that leaves alone every phrase in `words` ("Juniper", "Amara Nwosu")."""
        phrases = {tuple(key(w) for w in phrase.split()) for phrase in words if phrase.strip()}
        return cls(not_personal=frozenset(phrases))

    def learn_row(self, text: str, lists: NameLists) -> None:
        if len(self.everyday) < _MEMORY_LIMIT:
            self.everyday.update(_LOWER_WORD.findall(text))

    def is_not_personal(self, keys: tuple[str, ...]) -> bool:
        for phrase in self.not_personal:
            n = len(phrase)
            if any(keys[i : i + n] == phrase for i in range(len(keys) - n + 1)):
                return True
        return False

    def remember_product(self, phrase: str) -> None:
        if phrase and len(self.products) < _MEMORY_LIMIT:
            self.products.add(phrase)


_MEMORY_LIMIT = 100_000


@dataclass
class _Run:
    """A run of capitalised words without its leading cue words, and the text around it."""

    words: list[str]
    keys: tuple[str, ...]
    start: int
    end: int
    before: str  # the text before the run, with any leading cue words of the run
    after: str  # the text right after the run
    after_name: bool = False  # listed right after a name ("Wei Zhang and Hiroshi Sato")


def _split_run(text: str, m: re.Match[str]) -> _Run | None:
    """The run's name words, with leading cue words and titles moved into `before`."""
    words = m.group().split(" ")
    keys = [key(w) for w in words]
    cut = 0
    while cut < len(words) and (
        keys[cut].rstrip(".:,") in _LEADING or keys[cut].rstrip(".") in _TITLES
    ):
        cut += 1
    if cut == len(words):
        return None
    start = m.start() + sum(len(w) + 1 for w in words[:cut])
    words, keys = words[cut:], keys[cut:]
    # A possessive ends the name ("Frank's retirement"); "Brown's Bakery" stays whole so the
    # product word after it is seen.
    if keys[-1].endswith("'s"):
        words[-1], keys[-1] = words[-1][:-2], keys[-1][:-2]
    while words and keys[-1] in _LEADING:
        words.pop()
        keys.pop()
    if not words:
        return None
    end = start + len(" ".join(words))
    return _Run(
        words, tuple(keys), start, end, text[max(0, start - 40) : start], text[end : end + 24]
    )


def _thing_word_at(run: _Run, lists: NameLists) -> int:
    """Where a product or place word makes the run a thing ("Grace Hopper Blend": 2), else 0;
    len(words) when the word right after the run does ("Driftwood mug")."""
    keys = run.keys
    for i in range(1, len(keys)):
        k = keys[i].removesuffix("'s")
        if k in _THING_WORDS:
            # "Jane Hall" is a person, "Expo Hall" a place.
            if i == 1 == len(keys) - 1 and keys[0] in lists.first and k in _SURNAME_THINGS:
                return 0
            return i
    following = _FOLLOWING_WORD.match(run.after)
    if following and following.group(1) in _THING_WORDS:
        return len(keys)
    return 0


def _last_word(before: str) -> str:
    """The word right before a run, as written ("Dr.", "Thanks"), or ""."""
    words = before.rstrip(" :,\n").rsplit(None, 1)
    return words[-1].strip("\"'“‘(") if words else ""


def _cue(before: str, last_word: str) -> tuple[str, str]:
    """("strong" | "weak" | "", the cue's words as the user would read them)."""
    if key(last_word) not in _CUE_END_WORDS:
        if last_word in _DASHES and before.strip() == last_word:
            return "strong", last_word  # "— Aroha Tane, Wellington"
        return "", ""
    strong = _STRONG_CUE.search(before)
    if strong:
        return "strong", strong.group().strip(" :,\n")
    weak = _WEAK_CUE.search(before)
    if weak:
        return "weak", weak.group().strip(" :,\n")
    return "", ""


def _sentence_start(before: str) -> bool:
    tail = before.rstrip(" ")
    return not tail or tail[-1] in _SENTENCE_ENDS or tail.endswith((" -", " —", " –"))


def _decide(run: _Run, lists: NameLists, memory: NameMemory) -> str:
    """The reason the run is a name, or "" when it is not taken for one."""
    pairs = [
        (w, k)
        for w, k in zip(run.words, run.keys, strict=True)
        if k not in _PARTICLES and not w.endswith(".")
    ]
    if not pairs or len(pairs) > 4 or any(len(w) > 1 and w.isupper() for w, _ in pairs):
        return ""  # initials only, a title-case headline, an acronym
    keys = [k for _, k in pairs]
    first, last = keys[0], keys[-1]
    last_word = _last_word(run.before)
    if last_word[:1].isupper() and key(last_word).rstrip(".") in _TITLES:
        return f"a name after the title '{last_word.rstrip('.')}'"
    known_first = first in lists.first
    if first in _THING_WORDS and not known_first:
        return ""  # "Studio North"
    known_last = last in lists.last or any(part in lists.last for part in last.split("-"))
    cue, cue_words = ("listed", "and") if run.after_name else _cue(run.before, last_word)
    place_after = _PLACE_AFTER.match(run.after)
    if place_after and key(place_after.group(1)) in lists.places and cue != "strong":
        return ""  # "Hamilton, Ontario", "Savannah, Georgia"
    if len(keys) >= 2:
        if first in _PLACE_STARTS and cue != "strong":
            return ""
        if " ".join(keys) in lists.places:
            return ""  # "Santa Monica", "Sierra Leone"
        if cue != "strong" and not known_last and any(k in lists.places for k in keys):
            return ""  # "Kenya Nyeri", "Sierra Nevada"
        if known_first and known_last:
            return "a known first and family name"
        if known_first and not _everyday(last, lists, memory):
            return "a known first name and a capitalised word"
        if known_last and not _everyday(first, lists, memory):
            return "a capitalised word and a known family name"
        if cue == "strong":
            return f"capitalised words after '{cue_words}'"
        return ""
    word = first
    if cue == "strong":
        if word in lists.well_known_places and _GREETING.match(cue_words):
            return ""  # "Hello Dallas!"
        if known_first or known_last:
            return f"a known name after '{cue_words}'"
        return f"a capitalised word after '{cue_words}'"
    role_after = _ROLE_AFTER.match(run.after)
    if role_after and word not in lists.places:
        return f"a capitalised word before '{role_after.group().strip(', ')}'"
    if cue == "listed" and word not in lists.places and not _everyday(word, lists, memory):
        return "listed with other names"
    if not known_first or word in lists.places or word in _MONTHS:
        return ""
    if _everyday(word, lists, memory):
        return ""
    if cue == "weak":
        return f"a known first name after '{cue_words}'"
    if _POSSESSIVE.match(run.after):
        return "a known first name with 's"
    if _CUE_AFTER.match(run.after) or (run.before.endswith(", ") and _END.match(run.after)):
        return "a known first name before a word about a person"
    listed = _LIST_NEXT.match(run.after)
    if listed and key(listed.group(1)) in lists.first and key(listed.group(1)) not in lists.places:
        return "a known first name in a list of names"
    if known_last or _sentence_start(run.before) or key(last_word) in _DETERMINERS:
        return ""
    return "a known first name in the middle of a sentence"


def _drop_everyday_start(run: _Run, text: str, lists: NameLists, memory: NameMemory) -> None:
    """ "Contact Yusuf Demir": a first word seen in lower case elsewhere, and not a given name,
    is the sentence's first word, not part of the name; it joins the text before."""
    while (
        len(run.keys) > 1
        and run.keys[0] not in lists.first
        and _everyday(run.keys[0], lists, memory)
    ):
        run.start += len(run.words[0]) + 1
        run.words, run.keys = run.words[1:], run.keys[1:]
        run.before = text[max(0, run.start - 40) : run.start]


def _everyday(word: str, lists: NameLists, memory: NameMemory) -> bool:
    return word in lists.common or word in memory.everyday


def find_names(text: str, memory: NameMemory | None = None) -> Iterator[NameFinding]:
    """People's names in `text`, each with its reason; `memory` carries what earlier rows
    taught (and the user's "not personal" words) from row to row."""
    lists = name_lists()
    if memory is None:
        memory = NameMemory()
    memory.learn_row(text, lists)
    previous_end, previous_was_name = -1, False
    for m in _RUN.finditer(text):
        found = m.group()
        if " " not in found and found.lower() in _LEADING:
            continue  # "The", "Our", "Thanks": most runs are one such word
        run = _split_run(text, m)
        if run is None:
            continue
        listed = previous_end >= 0 and _LISTED.fullmatch(text, previous_end, run.start)
        was_name, previous_was_name, previous_end = previous_was_name, False, run.end
        if memory.not_personal and memory.is_not_personal(run.keys):
            continue
        at = _thing_word_at(run, lists)
        if at:
            memory.remember_product(" ".join(run.keys[:at]))
            continue
        if " ".join(run.keys) in memory.products:
            continue
        _drop_everyday_start(run, text, lists, memory)
        if listed and was_name:
            run.after_name = True
        elif listed and len(run.words) == 1 and not _STRONG_CUE.search(run.before):
            continue  # listed after a place or a product ("Georgia and Carolina")
        reason = _decide(run, lists, memory)
        if reason:
            previous_was_name = True
            yield NameFinding(run.start, run.end, text[run.start : run.end], reason)

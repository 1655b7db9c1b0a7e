"""Finding and redacting personal data in the user's writing (standard library only).

`scan(text)` returns every finding as a `Finding` (kind, character span, matched value);
`redact(text, kinds)` replaces the findings of the chosen kinds by typed placeholders such as
[EMAIL] and counts them per kind, so the data manifest can record how many were redacted
without ever holding the values.

Each detector is a regular expression that proposes candidates and a check that rejects the
look-alikes marketing text is full of: card numbers must pass the Luhn checksum, IBANs the
mod-97 check, IPs must have valid octets and not follow the word "version", phone numbers must
have a phone-like shape and not sit next to words such as "order" or "invoice". Where two
findings overlap, the more specific kind wins (url_token > email > iban > card > ip > phone >
address > name). People's names are found by `engine.data.names` (known names, capitalisation
and the words around them). Every finding carries a reason in a few words for the Data step.
Precision and recall on the labelled sets: `bench/pii_eval.py`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from engine.contract.config import PII_KINDS
from engine.contract.pii_kinds import PLACEHOLDERS
from engine.data.names import NameMemory, find_names


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and where it sits in the text."""

    kind: str
    start: int
    end: int
    value: str
    reason: str = ""


# --- email -----------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}(?![\w-])"
)


# "logo@2x.png" is a retina image name, not an address.
_FILE_EXTENSIONS = frozenset(
    ["png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "zip", "mp4", "mov", "css", "js"]
)


def _emails(text: str) -> Iterator[Finding]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        if m.group().rsplit(".", 1)[1].lower() in _FILE_EXTENSIONS:
            continue
        yield Finding("email", m.start(), m.end(), m.group())


# --- URLs carrying tokens --------------------------------------------------------------------

_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"'`]+", re.IGNORECASE)
_SECRET_PARAMS = frozenset(
    [
        "token",
        "access_token",
        "accesstoken",
        "refresh_token",
        "id_token",
        "auth",
        "auth_token",
        "authtoken",
        "key",
        "api_key",
        "apikey",
        "api-key",
        "sig",
        "signature",
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "client_secret",
        "session",
        "sessionid",
        "session_id",
        "sid",
        "otp",
        "jwt",
        "code",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "private_token",
        "reset_token",
        "invite_token",
        "magic",
    ]
)
_PARAM = re.compile(r"[?&#;]([^=&#\s]+)=([^&#\s]*)")
_SEGMENT = re.compile(r"[A-Za-z0-9_\-~.%]+")


def _random_looking(value: str) -> bool:
    """Long strings mixing letters and digits many times over: keys, hashes, UUIDs."""
    if len(value) < 16 or not _SEGMENT.fullmatch(value):
        return False
    kinds = ["d" if c.isdigit() else "a" if c.isalpha() else "-" for c in value if c.isalnum()]
    switches = sum(1 for a, b in itertools.pairwise(kinds) if a != b)
    return switches >= 4


def _url_carries_token(url: str) -> bool:
    scheme_end = url.find("://")
    rest = url[scheme_end + 3 :] if scheme_end >= 0 else url
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority and ":" in authority.split("@")[0]:
        return True  # user:password@host
    for name, value in _PARAM.findall(url):
        if name.lower() in _SECRET_PARAMS and value:
            return True
        if _random_looking(value):
            return True
    path = rest[len(authority) :].split("?")[0].split("#")[0]
    return any(_random_looking(segment) for segment in path.split("/"))


def _url_tokens(text: str) -> Iterator[Finding]:
    if "://" not in text and "www." not in text.lower():
        return
    for m in _URL.finditer(text):
        url = m.group().rstrip(".,;:!?)]}")
        if _url_carries_token(url):
            yield Finding("url_token", m.start(), m.start() + len(url), url)


# --- IBAN --------------------------------------------------------------------------------------

_IBAN = re.compile(
    r"(?<![\w-])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)"
    r"(?![\w-])"
)


def _iban_valid(raw: str) -> bool:
    compact = raw.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


def _ibans(text: str) -> Iterator[Finding]:
    for m in _IBAN.finditer(text):
        if _iban_valid(m.group()):
            yield Finding("iban", m.start(), m.end(), m.group())


# --- payment cards -----------------------------------------------------------------------------

_CARD = re.compile(r"(?<![\w.+/-])(?<!\d,)\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)")
_CARD_GROUPS = re.compile(
    r"\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}(?:\1\d{1,4})?|\d{4}([ -])\d{6}\2\d{4,5}"
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_NOT_CARD_CONTEXT = re.compile(
    r"\b(?:serial|order|tracking|isbn|sku|ref|reference|invoice|ticket|item|part|batch|lot|"
    r"model|imei|barcode|ean|upc)\b[^\w\n]{0,4}(?:no\.?|number|num|nr\.?|#)?[^\w\n]{0,3}$",
    re.IGNORECASE,
)


def _cards(text: str) -> Iterator[Finding]:
    for m in _CARD.finditer(text):
        raw = m.group()
        if _NOT_CARD_CONTEXT.search(text[max(0, m.start() - 24) : m.start()]):
            continue
        digits = raw.replace(" ", "").replace("-", "")
        if (
            13 <= len(digits) <= 19
            and digits[0] in "23456"
            and _CARD_GROUPS.fullmatch(raw)
            and _luhn(digits)
        ):
            yield Finding("card", m.start(), m.end(), raw)


# --- IP addresses ------------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:])"
)
_VERSION_BEFORE = re.compile(
    r"(?:\bv|\bver\.?|version|release|build|firmware|update|upgrade|patch|sdk|api|ios|android"
    r"|macos|windows|chrome|firefox|safari|edge|opera|node|python|java)\s*(?:no\.?|number|:)?\s*$",
    re.IGNORECASE,
)


def _ips(text: str) -> Iterator[Finding]:
    if "." in text:
        for m in _IPV4.finditer(text):
            if _VERSION_BEFORE.search(text[max(0, m.start() - 24) : m.start()]):
                continue
            yield Finding("ip", m.start(), m.end(), m.group())
    if "::" in text or text.count(":") >= 3:
        for m in _IPV6.finditer(text):
            raw = m.group()
            if sum(c.isalnum() for c in raw) < 3 and raw != "::1":
                continue
            try:
                ipaddress.IPv6Address(raw)
            except ValueError:
                continue
            yield Finding("ip", m.start(), m.end(), raw)


# --- phone numbers ---------------------------------------------------------------------------

_PHONE = re.compile(
    r"(?<![\w@$€£¥+/.#-])(?<!\d,)"
    r"(?:(?:\+|00)\d{1,3}[ .-]?(?:\(0\)[ .-]?)?)?"
    r"(?:\(\d{1,5}\)[ .-]?)?"
    r"\d{1,10}(?:(?:[ .-]|/ ?)\d{1,10}){0,5}"
    r"(?![\w@%$€£]|[.,:/-]\d)"
)
_PHONE_CONTEXT = re.compile(
    r"(?:\b(?:tel|telephone|phone|ph|call|calling|mobile|mob|cell|fax|whatsapp|text|sms|ring|"
    r"reach|dial|contact|landline|direct|hotline|helpline)\b|☎|📞)[^\d\n]{0,16}$",
    re.IGNORECASE,
)
_NOT_PHONE_CONTEXT = re.compile(
    r"(?:\b(?:order|invoice|inv|ref|reference|ticket|case|tracking|sku|isbn|po|item|part|serial|"
    r"model|account|acct|id|customer|booking|confirmation|receipt|transaction|batch|lot|"
    r"version|v|zip|postcode|postal|code|price|cost|total|usd|eur|gbp)\b|[#№$€£¥])"
    r"[^\w\n]{0,4}(?:no\.?|number|num|nr\.?)?[^\w\n]{0,3}$",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2})")
_NOT_PHONE_AFTER = re.compile(
    r"\s*(?:%|percent|usd|eur|gbp|dollars|euros|pounds|units|pcs|items"
    r"|kg|km|mi|sq|ft|m²|words|followers|views|clicks|users)\b",
    re.I,
)


def _phone_shape_ok(raw: str, has_context: bool) -> bool:
    digits = sum(c.isdigit() for c in raw)
    if not 7 <= digits <= 15:
        return False
    if _DATE_LIKE.fullmatch(raw):
        return False
    international = raw.startswith("+") or (raw.startswith("00") and digits >= 10)
    groups = re.findall(r"\d+", raw)
    if international:
        return digits >= 8
    if has_context:
        return True
    if "(" in raw:
        return digits >= 9
    if len(groups) == 1:
        return raw.startswith("0") and 10 <= digits <= 11
    separators = set(re.findall(r"[ .\-/]+", raw))
    sizes = [len(g) for g in groups]
    if sizes in ([3, 3, 4], [1, 3, 3, 4]) and len(separators) <= 2:
        return sizes[0] != 1 or groups[0] == "1"
    if sizes == [2, 2, 2, 2, 2] and raw.startswith("0") and len(separators) == 1:
        return True  # French style: 01 42 68 53 00
    if raw.startswith("0") and "." not in raw and 9 <= digits <= 12 and len(groups) <= 4:
        return all(len(g) >= 2 for g in groups) and len(groups[0]) >= 3
    return False


def _phones(text: str) -> Iterator[Finding]:
    for m in _PHONE.finditer(text):
        start, raw = m.start(), m.group()
        if len(raw) < 7 or sum(c.isdigit() for c in raw) < 7:
            continue
        before = text[max(0, start - 30) : start]
        if _NOT_PHONE_CONTEXT.search(before) or _NOT_PHONE_AFTER.match(text, m.end()):
            continue
        has_context = bool(_PHONE_CONTEXT.search(before))
        # A greedy match can swallow a trailing number ("555-123-4567 2 times"): drop trailing
        # groups until the rest looks like a phone number.
        while raw:
            if _phone_shape_ok(raw, has_context):
                yield Finding("phone", start, start + len(raw), raw)
                break
            cut = max(raw.rfind(" "), raw.rfind("-"), raw.rfind("."), raw.rfind("/"))
            if cut <= 0:
                break
            raw = raw[:cut].rstrip(" .-/")


# --- street addresses ------------------------------------------------------------------------

_STREET_SUFFIX = (
    r"Street|St|Avenue|Ave|Av|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|Way|"
    r"Terrace|Terr|Close|Crescent|Cres|Square|Sq|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|"
    r"Row|Mews|Gardens|Grove|Hill|Walk|Alley|Plaza|Quay|Wharf|Embankment|Broadway"
)
_UNIT = r"(?:,?\s(?:Suite|Ste|Apt|Apartment|Unit|Floor|Fl|Flat|Room|Rm)\.?\s?#?\w{1,5})?"
_ADDRESS_EN = re.compile(
    rf"(?<![\w$€£.,-])\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?\s"
    rf"(?:(?:[NSEW]|North|South|East|West)\.?\s)?"
    rf"(?:(?:[A-Z][a-z'’]+|[A-Z]\.|\d{{1,3}}(?:st|nd|rd|th))\s){{1,4}}"
    rf"(?:{_STREET_SUFFIX})\b\.?"
    rf"(?:\s(?:[NSEW]{{1,2}}|North|South|East|West)\b)?"
    rf"{_UNIT}"
)
_ADDRESS_EU = re.compile(
    r"\b(?:[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|allee|platz|damm|ring)|"
    r"(?:Rue|Avenue|Boulevard|Via|Calle|Plaza|Carrer)\s(?:(?:de|del|la|le|des|du|di)\s)?"
    r"[A-ZÀ-Ý][\w'’-]+)\s\d{1,4}[a-z]?\b"
)
_ADDRESS_EU_HINT = re.compile(
    r"(?:stra(?:ß|ss)e|str\.|weg|gasse|allee|platz|damm|ring|Rue|Avenue|Boulevard|Via|Calle|"
    r"Plaza|Carrer)\s"
)
_PO_BOX = re.compile(r"\b(?:P\.?\s?O\.?\s?Box)\s\d{1,6}\b", re.IGNORECASE)


def _addresses(text: str) -> Iterator[Finding]:
    matches = list(_ADDRESS_EN.finditer(text))
    if _ADDRESS_EU_HINT.search(text):
        matches += _ADDRESS_EU.finditer(text)
    if "box" in text.lower():
        matches += _PO_BOX.finditer(text)
    for m in matches:
        raw = m.group()
        if raw.endswith(".") and not re.search(r"\b(?:St|Ave|Rd|Ln|Blvd|Dr|Ct|Pl|Sq)\.$", raw):
            raw = raw[:-1]
        yield Finding("address", m.start(), m.start() + len(raw), raw)


# --- person names -------------------------------------------------------------------------------


def _names(text: str, memory: NameMemory | None = None) -> Iterator[Finding]:
    for found in find_names(text, memory):
        yield Finding("name", found.start, found.end, found.value, found.reason)


# --- putting it together -----------------------------------------------------------------------

# Order is priority: where findings overlap, the earlier kind wins.
_DETECTORS: dict[str, Callable[[str], Iterator[Finding]]] = {
    "url_token": _url_tokens,
    "email": _emails,
    "iban": _ibans,
    "card": _cards,
    "ip": _ips,
    "phone": _phones,
    "address": _addresses,
    "name": _names,
}
# Why a finding of each kind was taken, in a few words for the Data step (names say their own).
_REASONS = {
    "url_token": "a link carrying a key or password",
    "email": "shaped like an email address",
    "iban": "passes the IBAN checksum",
    "card": "passes the card checksum",
    "ip": "shaped like an IP address",
    "phone": "shaped like a phone number",
    "address": "a house number and a street word",
    "name": "a name",
}
_DIGIT_KINDS = frozenset({"iban", "card", "phone", "address"})
_HAS_DIGIT = re.compile(r"\d")
assert set(_DETECTORS) == set(PII_KINDS) == set(_REASONS)


def _check_kinds(kinds: Iterable[str] | None) -> list[str]:
    if kinds is None:
        return list(_DETECTORS)
    if isinstance(kinds, str):
        kinds = [kinds]  # scan(text, "email") means the one kind, not its letters
    chosen = set(kinds)
    unknown = chosen - set(_DETECTORS)
    if unknown:
        raise ValueError(f"Unknown kind of personal data: {', '.join(sorted(unknown))}.")
    return [kind for kind in _DETECTORS if kind in chosen]


def scan(
    text: str, kinds: Iterable[str] | None = None, names: NameMemory | None = None
) -> list[Finding]:
    """All personal data of the given kinds (all kinds when None), non-overlapping, in order.

    `names` carries what the name detector learnt from earlier rows of the same data, and
    the words the user marked "not personal"; without it each text is judged alone.
    """
    # Every detector runs even when only some kinds are asked for, so that overlaps resolve
    # the same way: redacting phones alone must not eat the digits of a card or an email.
    wanted = set(_check_kinds(kinds))
    if not wanted:
        return []
    has_digit = _HAS_DIGIT.search(text) is not None
    taken: list[Finding] = []
    for kind in _DETECTORS:
        if kind in _DIGIT_KINDS and not has_digit:
            continue
        found = _names(text, names) if kind == "name" else _DETECTORS[kind](text)
        for finding in found:
            if finding.end <= finding.start:
                continue
            if any(finding.start < t.end and t.start < finding.end for t in taken):
                continue
            if not finding.reason:
                finding = dataclasses.replace(finding, reason=_REASONS[kind])
            taken.append(finding)
    return sorted((f for f in taken if f.kind in wanted), key=lambda f: f.start)


def redact(
    text: str, kinds: Iterable[str], findings: list[Finding] | None = None
) -> tuple[str, Counter[str]]:
    """`text` with each finding of `kinds` replaced by its placeholder, and counts per kind.

    `findings`, when given, is what `scan(text)` already returned for this text, so a row that
    was scanned to be counted is not scanned a second time to be redacted.
    """
    if findings is None:
        findings = scan(text, kinds)
    else:
        wanted = set(_check_kinds(kinds))
        findings = [f for f in findings if f.kind in wanted]
    counts: Counter[str] = Counter()
    pieces: list[str] = []
    last = 0
    for finding in findings:
        pieces.append(text[last : finding.start])
        pieces.append(PLACEHOLDERS[finding.kind])
        counts[finding.kind] += 1
        last = finding.end
    pieces.append(text[last:])
    return "".join(pieces), counts

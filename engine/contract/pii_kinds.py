"""The kinds of personal data Quillora looks for: names, labels and placeholders (stdlib only).

The GUI imports this to label findings on the data step and to show what a redaction will
write; the scanner (`engine.data.pii`) uses the same placeholders. The kinds themselves are
`engine.contract.config.PII_KINDS`, so a run configuration can only name kinds listed here.
"""

from __future__ import annotations

from engine.contract.config import PII_KINDS

PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "ip": "[IP]",
    "url_token": "[URL_TOKEN]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}

LABELS: dict[str, str] = {
    "email": "Email addresses",
    "phone": "Phone numbers",
    "card": "Payment card numbers",
    "iban": "Bank account numbers (IBAN)",
    "ip": "IP addresses",
    "url_token": "Links carrying passwords or access keys",
    "address": "Street addresses",
    "name": "Person names",
}

# One sentence per kind for a tooltip: what is found and how reliably, in plain words.
DESCRIPTIONS: dict[str, str] = {
    "email": "Anything shaped like name@example.com.",
    "phone": "Phone numbers in common national and international formats.",
    "card": "Card numbers of 13 to 19 digits that pass the card checksum.",
    "iban": "International bank account numbers that pass the IBAN checksum.",
    "ip": "IPv4 and IPv6 addresses (not version numbers).",
    "url_token": "Web links whose address carries a token, key, signature or password.",
    "address": "Street addresses written as number, street name and a word like Street or Road.",
    "name": (
        "People's names: known first and family names from many countries, and capitalised "
        "words after cues such as 'thanks to', 'photo by' or 'our barista'. Product and place "
        "names are usually left alone; about 1 in 10 findings is not a name, and about 1 name "
        "in 15 is missed: check the preview."
    ),
}

assert set(PLACEHOLDERS) == set(PII_KINDS) == set(LABELS) == set(DESCRIPTIONS)

"""The need-to-know check: what the free texts sent to one partner may not contain.

The texts a partner reads (the summary the coordinator writes, and the case's place and the
suspects' details when they are shared) are compared with every person of the case (victims,
suspects, callers, witnesses). For each detail of a person that is NOT shared with this partner,
the texts may not contain:

- names: any word of three or more letters of the person's name or alias, accents and case
  ignored ("Wynefreda", "WYNEFREDA" and "Wynéfreda" alike), except name particles (del, los...);
- numbers: any run of six or more digits of the person's phone or document number, whatever the
  separators ("944 000 111", "944-000-111", "(944) 000.111" and "944000111" alike);
- addresses: any word of four or more letters of the person's address, except street vocabulary
  (calle, avenida, jirón, manzana...), and any run of six or more digits in it.

Addresses: words, not the whole normalised address. A part of an address ("los Pinos 455") gives
the house away as surely as the whole of it, and an address is seldom typed twice the same way,
so a whole-address match misses most leaks. The price is a refusal when a word of the address is
also a place name the coordinator meant in general ("Juliaca"); the region and province, which
every partner sees anyway, never count.

A word or number the partner sees anyway does not count either: the details shared with it (a
victim whose identity is shared may be named even if her sister on the case, whose name is not
shared, bears the same surname), and the region, province and case reference.

A finding says what kind of detail was found, in which text and whose (by role), never the
detail itself: findings go into messages, and nothing of the person reaches a log or audit row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hotline.cases.models import Person
from hotline.crypto import normalise

# Kinds of detail found.
NAME = "name"
NUMBER = "number"
ADDRESS = "address"
# The texts checked.
SUMMARY = "summary"
PLACE = "place"
SUSPECT_DETAILS = "suspect_details"
# The fields of a person a partner may be shown.
FIELD_KINDS = {"name": NAME, "alias": NAME, "document": NUMBER, "phone": NUMBER, "address": ADDRESS}

MIN_NAME_WORD = 3
MIN_ADDRESS_WORD = 4
MIN_DIGITS = 6
# Particles of Spanish (and a few other) names: they say nothing about who the person is, and
# refusing "del" or "los" would refuse nearly every summary.
NAME_PARTICLES = frozenset({"del", "las", "los", "san", "van", "von", "der", "den", "dos", "das", "les"})
# Street vocabulary (normalised): it says nothing about where the person lives.
ADDRESS_WORDS = frozenset(
    {
        "calle", "avenida", "jiron", "pasaje", "prolongacion", "urbanizacion", "asentamiento",
        "humano", "manzana", "lote", "sector", "barrio", "distrito", "provincia", "departamento",
        "region", "cerca", "frente", "altura", "cuadra", "bloque", "block", "edificio", "piso",
        "interior", "casa", "conjunto", "habitacional", "residencial", "villa", "pueblo", "joven",
        "anexo", "caserio", "centro", "poblado", "comunidad", "campesina", "nativa", "carretera",
        "kilometro", "esquina", "entre", "costado", "espalda", "numero", "street", "avenue", "road",
    }
)  # fmt: skip
# Digits with at most two separators between them: "944 000 111", "(01) 419-7260", "944.000.111".
_DIGIT_RUN = re.compile(r"[0-9](?:[\s.\-/()+]{0,2}[0-9])*")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Leak:
    text: str  # SUMMARY, PLACE or SUSPECT_DETAILS
    kind: str  # NAME, NUMBER or ADDRESS
    role: str  # the role of the person whose detail it is


def words(text: str | None, min_length: int) -> set[str]:
    """The words (letters only) of `text`, case and accents folded, at least `min_length` long."""
    return {w for w in _WORD.findall(normalise(text or "")) if len(w) >= min_length}


def _windows(digits: str) -> set[str]:
    return {digits[i : i + MIN_DIGITS] for i in range(len(digits) - MIN_DIGITS + 1)}


def digit_windows(text: str | None, *, runs: bool = True) -> set[str]:
    """Every six digits in a row of `text`, separators ignored. With `runs`, digits apart (a word
    between them) are separate numbers; without, the whole field is one number (a phone)."""
    folded = unicodedata.normalize("NFKC", text or "")
    if not runs:
        return _windows("".join(c for c in folded if "0" <= c <= "9"))
    found: set[str] = set()
    for match in _DIGIT_RUN.finditer(folded):
        found |= _windows("".join(c for c in match.group(0) if c.isdigit()))
    return found


def _name_words(person: Person) -> set[str]:
    return (words(person.name, MIN_NAME_WORD) | words(person.alias, MIN_NAME_WORD)) - NAME_PARTICLES


def _details(person: Person) -> dict[str, tuple[set[str], set[str]]]:
    """For each field: (its words, its digit windows) as the check compares them."""
    return {
        "name": (_name_words(person), set()),
        "alias": (set(), set()),  # counted with the name
        "document": (set(), digit_windows(person.document_number, runs=False)),
        "phone": (set(), digit_windows(person.phone, runs=False)),
        "address": (words(person.address, MIN_ADDRESS_WORD) - ADDRESS_WORDS, digit_windows(person.address)),
    }


def find_leaks(
    persons: Sequence[Person],
    texts: Mapping[str, str | None],
    *,
    shown: Mapping[int, Iterable[str]],
    public: Iterable[str | None] = (),
) -> list[Leak]:
    """What `texts` say of the persons that this partner is not shown.

    `shown` maps a person's id to the fields of it the partner is shown ("name", "alias",
    "document", "phone", "address"); `public` are other texts every partner sees.
    """
    details = {p.id: _details(p) for p in persons}
    seen_words: set[str] = set()
    seen_digits: set[str] = set()
    for text in public:
        seen_words |= words(text, 1)
        seen_digits |= digit_windows(text)
    for person_id, fields in shown.items():
        for name in fields:
            if person_id in details and name in details[person_id]:
                field_words, field_digits = details[person_id][name]
                seen_words |= field_words
                seen_digits |= field_digits
    leaks: list[Leak] = []
    for where, text in texts.items():
        if not text:
            continue
        text_words, text_digits = words(text, MIN_NAME_WORD), digit_windows(text)
        for person in persons:
            visible = set(shown.get(person.id, ()))
            for name, (field_words, field_digits) in details[person.id].items():
                if name in visible:
                    continue
                if (field_words - seen_words) & text_words or (field_digits - seen_digits) & text_digits:
                    leak = Leak(where, FIELD_KINDS[name], person.role)
                    if leak not in leaks:
                        leaks.append(leak)
    return leaks

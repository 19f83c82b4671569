"""The Splink model: comparisons, blocking rules, training, and the caps that keep weak evidence weak.

Comparisons are written once, for any engine: the few functions that differ
between DuckDB and Spark come from Splink's own dialect class
(``SqlFunctions``). Dates of birth are compared as text parts (year, month,
day), so no engine parses a date and none of their date-format differences
can bite.

Why each comparison looks as it does (docs/resolve.md has the long form):

- Given and family names: exact (the given name adjusted for how common it
  is), swapped order, nickname forms, one edit apart (typos,
  transpositions), similar, one record's name among the other's forenames or
  street names.
- Date of birth: exact, day and month swapped, partial dates that agree as
  far as they go, one digit apart, same year, within five years, further.
- Twins guard: a comparison of its own that takes back what an agreeing date
  gave when the given names clearly differ and no identifier agrees or is one character apart (twins
  and siblings); its weights are set, never trained (``set_twin_guard``).
- Namesakes guard: the mirror of the twins guard. Two people of one name
  at one home (cousins brought up together, a boy given his brother's name,
  a junior and his father) share the name and the address; only their
  dates tell them apart, and a date that differs in every part weighs
  little against a name and a home. When both full dates differ in a way no typo explains
  and no identifier agrees, it takes back what the name and the home gave
  (``set_namesake_guard``); the data may lift it (``namesakes.py``).
- Location: one comparison for address, postcode and town together (unit,
  sector, district, town), so one shared home is counted once, not three
  times.
- Middle names: when a date of birth is missing on either side and both
  records hold a middle name that clearly differs, what the name and home
  gave is taken back (a parent and the child named after them, issue 13);
  never trained (``set_middle_name``).
- Phone: a phone in common is capped at ``phone_max_weight`` bits; households
  share landlines and runners pass phones around (issue 4 item 9).
- Identifiers (PNC, NHS number, UPN, other ids such as ``ni:``) are only
  compared where both records hold one of the same kind.
"""

from __future__ import annotations

import logging
import math
from copy import deepcopy
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.comparison_level_library import CustomLevel, ElseLevel
from splink.comparison_library import CustomComparison
from splink.internals.dialects import SplinkDialect

MIN_M = 1e-3
TWIN_LEVEL = "same date of birth but given names clearly differ"
TWIN_PARTIAL_LEVEL = "partial date agrees but given names clearly differ"
TWIN_ELSE = "not like twins"
PARTIAL_LEVEL = "partial date that agrees as far as it goes"
PHONE_LEVEL = "a phone in common"
SWAPPED = "given and family names swapped"
SWAPPED_TYPO = "given and family names swapped, with a typo"
ALIAS_LEVEL = "a street name in common"
CROSSED = "one record's given name is the other's family name"
NICKNAME_TYPO = "one letter from a nickname or other form (Boll for Bill, so William)"
CONTAINED = "one given name is part of the other, three letters or more (Tash in Natasha)"
MISTYPED = "badly mistyped (not a known name), with date of birth and family name exact, and the address or a phone in common"
RENAMED_MISTYPED = ("family name changed and given name badly mistyped (not a known name): date of birth exact, "
                    "the home and a phone in common")
CHANGED_FAMILY = "family name changed: given name, date of birth and the home agree"
CHANGED_FAMILY_PHONE = "family name changed: given name, date of birth and a phone agree"
TRANSPOSED = "two neighbouring digits swapped (02 for 20)"
NAMED_PHONE = "a phone in common, same name, date of birth missing"
PRACTITIONER_ELSE = "none of these"
MIDDLE_DIFFER = "middle names clearly differ, date of birth missing"
MIDDLE_ELSE = "middle names agree, or could be one person's"
NAMESAKE_LEVEL = "full dates of birth differ in a way no typo explains, names alike, one home, no identifier agrees"
NAMESAKE_ELSE = "not like namesakes at one home"
# Most a phone in common may add when the names agree and a date of birth is missing (issue 13): the name
# and the phone are then all there is to go on, and a shared household landline still must not be enough on
# its own to outweigh a different given name.
NAMED_PHONE_MAX_WEIGHT = 6.0


@dataclass(frozen=True)
class SqlFunctions:
    """The handful of SQL functions whose names differ between engines."""

    dialect: str

    def _d(self) -> SplinkDialect:
        return SplinkDialect.from_string(self.dialect)

    def jw(self, a: str, b: str) -> str:
        return f"{self._d().jaro_winkler_function_name}({a}, {b})"

    def dl(self, a: str, b: str) -> str:
        return f"{self._d().damerau_levenshtein_function_name}({a}, {b})"

    def overlap(self, a: str, b: str) -> str:
        return f"arrays_overlap({a}, {b})" if self.dialect == "spark" else f"list_has_any({a}, {b})"

    def contains(self, array: str, value: str) -> str:
        return f"array_contains({array}, {value})" if self.dialect == "spark" else f"list_contains({array}, {value})"

    def any_close(self, array: str, value: str) -> str:
        """Whether any element of ``array`` is at most one edit (Damerau-Levenshtein) from ``value``; false for an empty array."""
        if self.dialect == "spark":
            return f"exists({array}, x -> {self.dl(value, 'x')} <= 1)"
        return f"coalesce(list_bool_or(list_transform({array}, lambda x: {self.dl(value, 'x')} <= 1)), false)"

    def lev(self, a: str, b: str) -> str:
        return f"levenshtein({a}, {b})"

    def within(self, part: str, whole: str) -> str:
        """``part`` occurs in ``whole``."""
        return f"instr({whole}, {part}) > 0"

    def size(self, array: str) -> str:
        return f"size({array})" if self.dialect == "spark" else f"len({array})"


def _level(sql: str, label: str, m: float | None = None, **configure: Any) -> CustomLevel:
    """A level; ``m`` is only EM's starting point (a sensible prior keeps EM on people, not households)."""
    level = CustomLevel(sql, label_for_charts=label)
    if m is not None:
        configure["m_probability"] = m
    if configure:
        level.configure(**configure)
    return level


def _else(label: str, m: float) -> Any:
    return ElseLevel().configure(label_for_charts=label, m_probability=m)


def _null(sql: str, label: str) -> CustomLevel:
    return _level(sql, label, is_null_level=True)


def _given_compatible(f: SqlFunctions) -> list[tuple[str, str, float]]:
    """(sql, label, starting m) of every way two present given names can still be one person's."""
    return [
        ("given_name_l = given_name_r", "exact", 0.8),
        ("given_name_l = family_name_r AND family_name_l = given_name_r", SWAPPED, 0.02),
        (
            f"{f.jw('given_name_l', 'family_name_r')} >= 0.88 AND {f.jw('family_name_l', 'given_name_r')} >= 0.88",
            SWAPPED_TYPO,
            0.01,
        ),
        ("given_name_l = family_name_r OR family_name_l = given_name_r", CROSSED, 0.01),
        (f.overlap("given_forms_l", "given_forms_r"), "nickname or other form of the same name", 0.05),
        (
            f"({f.any_close('given_forms_r', 'given_name_l')} OR {f.any_close('given_forms_l', 'given_name_r')})",
            NICKNAME_TYPO,
            0.01,
        ),
        (f"{f.dl('given_name_l', 'given_name_r')} <= 1", "one letter apart (typo or transposition)", 0.05),
        (f"{f.jw('given_name_l', 'given_name_r')} >= 0.88", "similar", 0.02),
        (
            f"((length(given_name_l) >= 3 AND {f.within('given_name_l', 'given_name_r')})"
            f" OR (length(given_name_r) >= 3 AND {f.within('given_name_r', 'given_name_l')}))",
            CONTAINED,
            0.01,
        ),
    ]


def given_name(f: SqlFunctions) -> CustomComparison:
    levels: list[Any] = [_null("given_name_l IS NULL OR given_name_r IS NULL", "given name missing")]
    for i, (sql, label, m) in enumerate(_given_compatible(f)):
        tf = {"tf_adjustment_column": "given_name", "tf_adjustment_weight": 1.0} if i == 0 else {}
        levels.append(_level(sql, label, m, **tf))
    levels.append(_else("different", 0.03))
    return CustomComparison(levels, output_column_name="given_name", comparison_description="given name")


def _family_compatible(f: SqlFunctions) -> list[tuple[str, str, float]]:
    """(sql, label, starting m) of every way two present family names can still be one person's."""
    return [
        # No term-frequency adjustment here: a rare surname shared at one address says "same household", which
        # the address already said; adjusting for it let siblings with a rare surname look like one person.
        ("family_name_l = family_name_r", "exact", 0.85),
        ("given_name_l = family_name_r AND family_name_l = given_name_r", SWAPPED, 0.02),
        (
            f"{f.jw('given_name_l', 'family_name_r')} >= 0.88 AND {f.jw('family_name_l', 'given_name_r')} >= 0.88",
            SWAPPED_TYPO,
            0.01,
        ),
        (f"{f.dl('family_name_l', 'family_name_r')} <= 1", "one letter apart (typo or transposition)", 0.04),
        (f"{f.jw('family_name_l', 'family_name_r')} >= 0.88", "similar", 0.02),
        (
            f"({f.contains('surnames_r', 'family_name_l')} OR {f.contains('surnames_l', 'family_name_r')})",
            "part of a double-barrelled or other name",
            0.02,
        ),
    ]


def family_name(f: SqlFunctions) -> CustomComparison:
    levels: list[Any] = [_null("family_name_l IS NULL OR family_name_r IS NULL", "family name missing")]
    levels += [_level(sql, label, m) for sql, label, m in _family_compatible(f)]
    levels.append(_else("different", 0.05))
    return CustomComparison(levels, output_column_name="family_name", comparison_description="family name")


EXACT_DATE = "dob_l = dob_r"
PARTIAL_DATE = (
    "dob_year_l = dob_year_r AND (dob_month_l IS NULL OR dob_month_r IS NULL OR dob_month_l = dob_month_r) "
    "AND (dob_day_l IS NULL OR dob_day_r IS NULL)"
)


def date_of_birth(f: SqlFunctions) -> CustomComparison:
    levels: list[Any] = [
        _null("dob_year_l IS NULL OR dob_year_r IS NULL", "date of birth missing"),
        _level(EXACT_DATE, "exact", 0.8),
        _level(
            "dob_year_l = dob_year_r AND dob_day_l = dob_month_r AND dob_month_l = dob_day_r",
            "day and month swapped",
            0.02,
        ),
        _level(PARTIAL_DATE, PARTIAL_LEVEL, 0.08),
        _level(f"{f.dl('dob_l', 'dob_r')} = 1 AND {f.lev('dob_l', 'dob_r')} = 2", TRANSPOSED, 0.01),
        _level(f"{f.dl('dob_l', 'dob_r')} <= 1", "one digit apart", 0.03),
        _level("dob_year_l = dob_year_r", "same year", 0.02),
        # a parent and a child share a name and a home; decades between their births tell them apart
        _level("abs(cast(dob_year_l AS INTEGER) - cast(dob_year_r AS INTEGER)) <= 5", "different, within five years", 0.03),
        _else("different, more than five years apart", 0.02),
    ]
    return CustomComparison(levels, output_column_name="date_of_birth", comparison_description="date of birth")


def given_names_differ(f: SqlFunctions) -> str:
    """Both given names present and in none of the ways one person's two given names can differ."""
    return f"(given_name_l IS NOT NULL AND given_name_r IS NOT NULL AND NOT {_any_given_compatible(f)})"


def _any_given_compatible(f: SqlFunctions) -> str:
    return "(" + " OR ".join(f"({sql})" for sql, _, _ in _given_compatible(f)) + ")"


def shares_identifier(f: SqlFunctions) -> str:
    """An identifier agrees, or is one character apart: twins never share one.

    One character apart counts as agreeing: NHS numbers, UPNs and PNC ids
    carry a check character, so two valid ones never differ in a single
    character, and a one-character difference is a typo of one identifier,
    not a sibling's.
    """
    near = " OR ".join(f"coalesce({f.dl(f'{c}_l', f'{c}_r')} <= 1, false)" for c in ("pnc", "nhs", "upn", "other_id_first"))
    return f"({near} OR {f.overlap('other_ids_l', 'other_ids_r')})"


def twin_guard(f: SqlFunctions) -> CustomComparison:
    """Twins and siblings: the date agrees, the given names clearly differ, no identifier agrees.

    Its levels are never estimated: ``final_params`` sets each to take back
    exactly what the date of birth comparison gave for that kind of agreement,
    so such a pair is judged on everything but the date. Kept out of the date
    comparison itself so that the date's m and u stay independent of names.
    """
    names_differ = f"{given_names_differ(f)} AND NOT {mistyped(f)} AND NOT {renamed_mistyped(f)}"
    no_shared_id = f"NOT {shares_identifier(f)}"
    return CustomComparison(
        [
            _null(
                "given_name_l IS NULL OR given_name_r IS NULL OR dob_year_l IS NULL OR dob_year_r IS NULL",
                "given name or date of birth missing",
            ),
            _level(f"({EXACT_DATE}) AND {names_differ} AND {no_shared_id}", TWIN_LEVEL, 0.001),
            _level(f"({PARTIAL_DATE}) AND {names_differ} AND {no_shared_id}", TWIN_PARTIAL_LEVEL, 0.001),
            _else("not like twins", 0.998),
        ],
        output_column_name="twin_guard",
        comparison_description="twins guard",
    )


def same_home(f: SqlFunctions) -> str:
    """The same postcode, or addresses as alike as one home written twice."""
    return f"(coalesce(postcode_l = postcode_r, false) OR coalesce({f.jw('address_l', 'address_r')} >= 0.88, false))"


FULL_DATES = (
    "dob_day_l IS NOT NULL AND dob_day_r IS NOT NULL AND dob_month_l IS NOT NULL AND dob_month_r IS NOT NULL"
    " AND dob_year_l IS NOT NULL AND dob_year_r IS NOT NULL"
)

NEW_YEAR = "dob_month_{side} = '01' AND dob_day_{side} = '01'"  # 1 January: often written for "day and month unknown"


def dates_differ_beyond_typo(f: SqlFunctions) -> str:
    """Two full dates of birth that no slip of one date explains: two different birthdays.

    Not one digit apart, nor two digits swapped (a typo), nor day and month
    swapped, and the day and month do not both agree (a year written wrongly
    keeps the birthday; siblings' birthdays differ). Nor is either 1 January:
    systems that must hold a full date write it for a day and month nobody
    knew, so it says only the year.
    """
    return (
        f"({FULL_DATES} AND {f.dl('dob_l', 'dob_r')} > 1"
        " AND NOT (dob_day_l = dob_month_r AND dob_month_l = dob_day_r)"
        " AND NOT (dob_day_l = dob_day_r AND dob_month_l = dob_month_r)"
        f" AND NOT ({NEW_YEAR.format(side='l')}) AND NOT ({NEW_YEAR.format(side='r')}))"
    )


def names_alike(f: SqlFunctions) -> str:
    """Both given names present and in one of the ways one person's given names can differ (or the same)."""
    return f"(given_name_l IS NOT NULL AND given_name_r IS NOT NULL AND {_any_given_compatible(f)})"


def namesake_guard(f: SqlFunctions) -> CustomComparison:
    """Namesakes at one home: the names alike, two different birthdays, no identifier agrees. Never trained.

    Cousins of one name brought up together, a child given a brother's name,
    a junior and his father share the given and family name and the home;
    their full dates of birth differ in every part, which the date comparison (trained on data
    full of such relatives) weighs at only a few bits against some twenty
    for the name and home. ``set_namesake_guard`` sets the level to take back
    what an exact given name, an exact family name and the same address gave,
    so such a pair is judged on everything else (the dates, a phone, an
    identifier). Whether it holds is decided by the data (``namesakes.py``).
    """
    return CustomComparison(
        [
            _null(f"NOT ({FULL_DATES}) OR given_name_l IS NULL OR given_name_r IS NULL",
                  "a date of birth not held in full, or a given name missing"),
            _level(f"{dates_differ_beyond_typo(f)} AND {names_alike(f)} AND {same_home(f)} AND NOT {shares_identifier(f)}",
                   NAMESAKE_LEVEL, 0.001),
            _else(NAMESAKE_ELSE, 0.999),
        ],
        output_column_name="namesake_guard",
        comparison_description="namesakes guard",
    )


def family_names_differ(f: SqlFunctions) -> str:
    """Both family names present and in none of the ways one person's two family names can differ."""
    compatible = " OR ".join(f"({sql})" for sql, _, _ in _family_compatible(f))
    return f"(family_name_l IS NOT NULL AND family_name_r IS NOT NULL AND NOT ({compatible}))"


def mistyped(f: SqlFunctions) -> str:
    """A given name so mistyped that it is no known name (Nrad for Bradley), with date and family name exact, and the
    home or a phone in common.

    Two known names are two names (twins, siblings); a given name that is no
    name at all, with everything else agreeing exactly, is a bad typo. A phone
    stands in for the home because people move: Paiar Maddox's health record,
    at her old address, shares her date of birth and her mobile with Paige
    Maddox's police record. Twins whose records carry a parent's number stay
    apart as before: their two names are both known names.
    """
    return (  # the cheap tests first: a CASE's AND stops at the first that fails, and most pairs fail the date
        f"({EXACT_DATE} AND {f.dl('family_name_l', 'family_name_r')} <= 1"
        f" AND ({f.overlap('phones_l', 'phones_r')} OR {_home(f)}) AND {_garbled(f)})"
    )


def renamed_mistyped(f: SqlFunctions) -> str:
    """A married name and a badly mistyped given name on one record (Tuo Nuttall for Tia Vaughan): the date of birth
    exact, and both the home and a phone in common.

    Both names differ, so both places are asked for, not either: a woman
    sharing another's birthday, her address and her mobile, under another
    given and family name, is the same woman written badly.
    """
    return f"({EXACT_DATE} AND {f.overlap('phones_l', 'phones_r')} AND {_home(f)} AND {_garbled(f)})"


def _garbled(f: SqlFunctions) -> str:
    """The given names are not both known names, and are close (Jaro-Winkler 0.7, or at most two letters changed)."""
    close = (f"({f.jw('given_name_l', 'given_name_r')} >= 0.7 OR ({f.dl('given_name_l', 'given_name_r')} <= 2"
             " AND length(given_name_l) >= 3 AND length(given_name_r) >= 3))")
    return f"(NOT coalesce(given_known_l AND given_known_r, false) AND {close})"


def _home(f: SqlFunctions) -> str:
    """The same postcode and an address alike (Jaro-Winkler 0.88: "Rd" for "Road"): one home."""
    return f"(postcode_l = postcode_r AND {f.jw('address_l', 'address_r')} >= 0.88)"


def changed_family(f: SqlFunctions, by_phone: bool) -> str:
    """The same given name (or a form of it) and date of birth, and a phone (``by_phone``) or the home in common."""
    shared = f.overlap("phones_l", "phones_r") if by_phone else _home(f)
    return f"({f.overlap('given_forms_l', 'given_forms_r')} AND {EXACT_DATE} AND {shared})"


def named_phone(f: SqlFunctions) -> str:
    """Same name, a phone in common, and a date of birth missing on one side."""
    return (
        f"({f.overlap('phones_l', 'phones_r')} AND (dob_year_l IS NULL OR dob_year_r IS NULL)"
        f" AND {f.overlap('given_forms_l', 'given_forms_r')} AND family_name_l = family_name_r)"
    )


def practitioner(f: SqlFunctions) -> CustomComparison:
    """Links a practitioner would make that fields scored one at a time miss (issue 13). Never trained.

    Each level looks at several fields together, so it cannot be estimated
    like a field (expectation maximisation skips a comparison that reads the
    fields a training session blocks on); ``set_practitioner`` sets its
    weights from the trained ones, each taking back a penalty or topping up a
    cap that the combination shows to be wrong here:

    - a badly mistyped given name: takes back the given name's "different";
    - a married name and a badly mistyped given name, with the home and a
      phone in common: takes back both names' "different";
    - a changed family name (same given name and date of birth) at the same
      home: takes back the family name's "different";
    - a changed family name with a phone in common: the same, and raises the
      phone to ``NAMED_PHONE_MAX_WEIGHT`` bits (a phone shared with someone
      of the same given name and birthday is no household landline; the
      woman has usually moved, so the address disagrees);
    - no date of birth, same name and a phone in common: raises the phone to
      ``NAMED_PHONE_MAX_WEIGHT`` bits.
    """
    return CustomComparison(
        [
            _level(f"{mistyped(f)} AND {given_names_differ(f)}", MISTYPED, 0.001),
            _level(f"{renamed_mistyped(f)} AND {given_names_differ(f)} AND {family_names_differ(f)}", RENAMED_MISTYPED, 0.001),
            _level(f"{family_names_differ(f)} AND {changed_family(f, by_phone=True)}", CHANGED_FAMILY_PHONE, 0.001),
            _level(f"{family_names_differ(f)} AND {changed_family(f, by_phone=False)}", CHANGED_FAMILY, 0.001),
            _level(named_phone(f), NAMED_PHONE, 0.001),
            _else(PRACTITIONER_ELSE, 0.997),
        ],
        output_column_name="practitioner",
        comparison_description="links a practitioner would make",
    )


class _PractitionerHasNoNullLevel(logging.Filter):
    """Drop Splink's "No null level found for comparison practitioner" warning.

    The practitioner comparison has no null level on purpose: a field missing
    on one side is part of what its levels test (no date of birth), and its
    "none of these" level weighs 0 whatever is missing. Splink says so on
    every ``Settings`` it builds, and "is this child known?" builds one a
    lookup, so without this a user would read the warning above every answer.
    Any other comparison without a null level is still reported.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "No null level found for comparison practitioner." not in record.getMessage()


logging.getLogger("splink.internals.settings").addFilter(_PractitionerHasNoNullLevel())


def middle_names_differ(f: SqlFunctions) -> str:
    """Both records hold a middle name and none of the ways one person's middle names can differ holds.

    Compatible: a middle name in common (either may hold more than one), the
    first middle name one letter from one of the other's (a typo), similar
    (Jaro-Winkler 0.88), one an initial of the other (B for Bethan), or one
    record's given name among the other's middle names (a middle name used
    as the given name).
    """
    close = f"({f.any_close('middle_names_r', 'middle_first_l')} OR {f.any_close('middle_names_l', 'middle_first_r')})"
    initial = (
        "(substr(middle_first_l, 1, 1) = substr(middle_first_r, 1, 1)"
        " AND (length(middle_first_l) = 1 OR length(middle_first_r) = 1))"
    )
    given_used = (
        f"(coalesce({f.contains('middle_names_r', 'given_name_l')}, false)"
        f" OR coalesce({f.contains('middle_names_l', 'given_name_r')}, false))"
    )
    return (
        f"({f.size('middle_names_l')} > 0 AND {f.size('middle_names_r')} > 0"
        f" AND NOT {f.overlap('middle_names_l', 'middle_names_r')} AND NOT {close}"
        f" AND {f.jw('middle_first_l', 'middle_first_r')} < 0.88 AND NOT {initial} AND NOT {given_used})"
    )


def middle_name(f: SqlFunctions) -> CustomComparison:
    """Middle names that clearly differ where a date of birth is missing (issue 13). Never trained.

    A parent and the child named after them share the given and family name
    and the home; with both dates of birth the decades between them tell them
    apart, but when one record has no date nothing the other comparisons see
    does, and the records merged. Their middle names usually differ (Katherine
    *Bethan* Begum, Katherine *Tegan* Begum). ``set_middle_name`` sets the
    level to take back what an exact given name, an exact family name and the
    same address gave, so such a pair is judged on the rest (an identifier,
    a phone); with both dates held the rule stays out of the way (0 bits).
    """
    return CustomComparison(
        [
            _null(
                f"({f.size('middle_names_l')} = 0 OR {f.size('middle_names_r')} = 0)"
                " OR (dob_year_l IS NOT NULL AND dob_year_r IS NOT NULL)",
                "middle name not held by both, or both dates of birth held",
            ),
            _level(middle_names_differ(f), MIDDLE_DIFFER, 0.001),
            _else(MIDDLE_ELSE, 0.999),
        ],
        output_column_name="middle_name",
        comparison_description="middle names",
    )


def sex() -> CustomComparison:
    return CustomComparison(
        [
            _null("sex_l IS NULL OR sex_r IS NULL", "sex missing or unknown"),
            _level("sex_l = sex_r", "same", 0.95),
            _else("different", 0.05),
        ],
        output_column_name="sex",
        comparison_description="sex",
    )


def location(f: SqlFunctions) -> CustomComparison:
    same_house = (
        "(address_numbers_l = address_numbers_r OR (address_numbers_l IS NULL AND address_numbers_r IS NULL))"
    )
    same_address = f"{same_house} AND {f.jw('address_l', 'address_r')} >= 0.88"
    similar_town = f"{f.jw('town_l', 'town_r')} >= 0.88"
    # one side names no area at all (a house and street, no town or postcode): nothing says the area differs
    no_area = "((postcode_l IS NULL AND town_l IS NULL) OR (postcode_r IS NULL AND town_r IS NULL))"
    levels: list[Any] = [
        _null(
            "(postcode_l IS NULL AND address_l IS NULL) OR (postcode_r IS NULL AND address_r IS NULL)",
            "address missing",
        ),
        _level(f"postcode_l = postcode_r AND {same_address}", "same address and postcode", 0.6),
        _level(
            f"{same_address} AND ({similar_town} OR postcode_district_l = postcode_district_r"
            f" OR {f.dl('postcode_l', 'postcode_r')} <= 1 OR {no_area})",
            "same address, postcode differs or missing",
            0.05,
        ),
        _level("postcode_l = postcode_r", "same postcode, house differs or not given", 0.05),
        _level("postcode_sector_l = postcode_sector_r", "same postcode sector", 0.05),
        _level("postcode_district_l = postcode_district_r", "same postcode district", 0.05),
        _level(similar_town, "same town", 0.05),
        _else("different area", 0.15),
    ]
    return CustomComparison(levels, output_column_name="location", comparison_description="address and postcode")


def phone(f: SqlFunctions) -> CustomComparison:
    return CustomComparison(
        [
            _null(f"{f.size('phones_l')} = 0 OR {f.size('phones_r')} = 0", "phone missing"),
            _level(f.overlap("phones_l", "phones_r"), PHONE_LEVEL, 0.3),
            _else("no phone in common", 0.7),
        ],
        output_column_name="phone",
        comparison_description="phone",
    )


def identifier(column: str, description: str, f: SqlFunctions) -> CustomComparison:
    return CustomComparison(
        [
            _null(f"{column}_l IS NULL OR {column}_r IS NULL", f"{description} not held by both"),
            _level(f"{column}_l = {column}_r", "same", 0.95),
            _level(f"{f.dl(f'{column}_l', f'{column}_r')} <= 1", "one character apart", 0.02),
            _else("different", 0.03),
        ],
        output_column_name=column,
        comparison_description=description,
    )


# The level of each identifier comparison that says "both hold one, and they differ".
IDENTIFIER_DIFFERENT = {
    "pnc": "different", "nhs": "different", "upn": "different", "other_ids": "same kind of identifier, different value",
}


def other_ids(f: SqlFunctions) -> CustomComparison:
    return CustomComparison(
        [
            _null(f"NOT {f.overlap('other_id_types_l', 'other_id_types_r')}", "no other identifier of the same kind"),
            _level(f.overlap("other_ids_l", "other_ids_r"), "an identifier in common", 0.9),
            # Most records hold one other identifier: compare the first of each for typos.
            _level(f"{f.dl('other_id_first_l', 'other_id_first_r')} <= 1", "one character apart", 0.05),
            _else(IDENTIFIER_DIFFERENT["other_ids"], 0.05),
        ],
        output_column_name="other_ids",
        comparison_description="other identifiers",
    )


def aliases(f: SqlFunctions) -> CustomComparison:
    alias_is_name = f"({f.overlap('aliases_l', 'names_r')} OR {f.overlap('aliases_r', 'names_l')})"
    return CustomComparison(
        [
            _null(
                f"({f.size('aliases_l')} = 0 OR {f.size('aliases_r')} = 0) AND NOT {alias_is_name}",
                "street names not held by both",
            ),
            _level(f.overlap("aliases_l", "aliases_r"), ALIAS_LEVEL, 0.6),
            _level(alias_is_name, "a street name matches the other's name", 0.2),
            _else("no street name in common", 0.2),
        ],
        output_column_name="aliases",
        comparison_description="street names (aliases)",
    )


# Pairs worth scoring. Each rule is an equi-join of (left column, right column) pairs, so comparisons stay
# bounded as the data grows; ``known`` reads the same list to find candidates for one new record. Measured on
# the simulator at a million records (docs/resolve.md): about 1.4 million pairs in all, where blocking on a
# name and a birth year or a postcode district alone gave 2 and 6 million each.
BLOCKS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("name_key", "name_key"), ("dob", "dob")),  # names exact, swapped or nicknamed, same date
    (("name_key", "name_key"), ("dob_partial_year", "dob_year")),  # a partial date on one side
    (("name_key", "name_key"), ("dob_year", "dob_partial_year")),
    (("name_key", "name_key"), ("dob", "dob_swapped")),  # day and month swapped
    (("dob", "dob"), ("given_initial", "given_initial"), ("family_initial", "family_initial")),  # typos
    (("dob", "dob"), ("given_initial", "family_initial"), ("family_initial", "given_initial")),  # swapped, typos
    (("dob", "dob"), ("postcode", "postcode")),  # names changed or replaced
    (("dob", "dob"), ("family_name", "family_name")),  # given name replaced or missing, postcode mistyped
    (("postcode", "postcode"), ("given_canon", "given_canon")),  # date missing or wrong, surname changed
    (("postcode", "postcode"), ("family_name", "family_name"), ("given_initial", "given_initial")),
    (("dob", "dob"), ("given_canon", "given_canon")),  # family name changed (married), another home
    (("name_key", "name_key"), ("dob", "dob_day_flip")),  # the day's two digits swapped
    (("name_key", "name_key"), ("address", "address")),  # no date of birth, no postcode
    (("name_key", "name_key"), ("address_numbers", "address_numbers"), ("town", "town")),  # ... and the street misspelt
    (("pnc", "pnc"),),
    (("nhs", "nhs"),),
    (("upn", "upn"),),
)
# records sharing any element: another identifier; an identifier with one character deleted (a typo in it)
# ... and names with a phone (``name_phones``: name key and phone together), for records without a date of birth
LIST_BLOCKS = ("other_ids", "id_variants", "name_phones")


def blocking_rules() -> list[Any]:
    rules: list[Any] = [
        CustomRule(" AND ".join(f"l.{a} = r.{b}" for a, b in block)) if any(a != b for a, b in block)
        else block_on(*(a for a, _ in block))
        for block in BLOCKS
    ]
    rules += [CustomRule(f"l.{c} = r.{c}", arrays_to_explode=[c]) for c in LIST_BLOCKS]
    return rules


# Expectation maximisation sessions: each blocks on fields it then cannot train, so together they train all.
EM_BLOCKS = (("dob",), ("given_name", "family_name"))

# Deterministic rules (with the share of true matches they are assumed to find) for the prior.
PRIOR_RULES = ("l.name_key = r.name_key AND l.dob = r.dob", "l.nhs = r.nhs", "l.pnc = r.pnc", "l.upn = r.upn")
PRIOR_RECALL = 0.7


# What each comparison is about, in the words the review queue uses.
DESCRIPTIONS = {
    "given_name": "Given name", "family_name": "Family name", "date_of_birth": "Date of birth", "sex": "Sex",
    "location": "Address and postcode", "phone": "Phone", "pnc": "PNC id", "nhs": "NHS number",
    "upn": "Unique pupil number", "other_ids": "Other identifiers", "aliases": "Street names (aliases)",
    "twin_guard": "Twins guard",
    "practitioner": "Links a practitioner would make",
    "middle_name": "Middle names",
    "namesake_guard": "Namesakes guard",
}


def settings_creator(dialect: str, guard_twins: bool = True, with_practitioner: bool = True) -> SettingsCreator:
    """The comparisons and blocking rules.

    ``with_practitioner``: False while training, which leaves out the
    practitioner, middle name and namesakes guard comparisons (their levels are
    never trained: ``set_practitioner``, ``set_middle_name`` and
    ``set_namesake_guard`` set them).
    """
    f = SqlFunctions(dialect)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            given_name(f),
            family_name(f),
            date_of_birth(f),
            *([twin_guard(f)] if guard_twins else []),
            *([practitioner(f), middle_name(f), namesake_guard(f)] if with_practitioner else []),
            sex(),
            location(f),
            phone(f),
            identifier("pnc", "PNC id", f),
            identifier("nhs", "NHS number", f),
            identifier("upn", "unique pupil number", f),
            other_ids(f),
            aliases(f),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(),
        additional_columns_to_retain=[],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        max_iterations=12,
        em_convergence=0.001,
    )


# The model as Crossline keeps it: the prior and each level's m and u, by comparison and level label. It is
# independent of the engine (the SQL is rebuilt for DuckDB or Spark from the comparisons above), so a model
# trained on one engine scores on the other, and a saved model file stays readable.
Params = dict[str, Any]
PARAMS_VERSION = 1


def params_from_splink(model: dict[str, Any], twin_guard: bool = True) -> Params:
    """Splink's trained model dictionary -> Crossline's params (labels must be unique within a comparison)."""
    levels: dict[str, dict[str, dict[str, float | None]]] = {}
    for comparison in model["comparisons"]:
        out = levels.setdefault(comparison["output_column_name"], {})
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            out[level["label_for_charts"]] = {"m": level.get("m_probability"), "u": level.get("u_probability")}
    return {
        "version": PARAMS_VERSION,
        "twin_guard": twin_guard,
        "probability_two_random_records_match": model["probability_two_random_records_match"],
        "levels": levels,
    }


# Levels added since PARAMS_VERSION 1 was first written: a saved model without them still loads.
ADDED_LEVELS = {
    ("given_name", NICKNAME_TYPO), ("given_name", CROSSED), ("given_name", CONTAINED), ("date_of_birth", TRANSPOSED),
}


@lru_cache(maxsize=8)
def base_settings(dialect: str, guard_twins: bool) -> dict[str, Any]:
    """Splink's settings dictionary before the model's m and u: the same for every call in a process. Never change it.

    Building it parses every comparison level's SQL (SQLGlot): about 0.05 s, which every "is this child
    known?" lookup paid, twice, before it was kept here. A caller that changes it takes a deep copy first.
    """
    return settings_creator(dialect, guard_twins).create_settings_dict(dialect)


def splink_settings(dialect: str, params: Params) -> dict[str, Any]:
    """A Splink settings dictionary for ``dialect`` carrying ``params``; unknown labels are an error."""
    if params.get("version") != PARAMS_VERSION:
        raise ValueError(f"resolve model version {params.get('version')!r} is not {PARAMS_VERSION}")
    settings = deepcopy(base_settings(dialect, params.get("twin_guard", True)))
    settings["probability_two_random_records_match"] = params["probability_two_random_records_match"]
    for comparison in settings["comparisons"]:
        known = params["levels"].get(comparison["output_column_name"])
        if known is None:
            raise ValueError(f"the model has no comparison {comparison['output_column_name']!r}")
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            values = known.get(level["label_for_charts"])
            if values is None and (comparison["output_column_name"], level["label_for_charts"]) in ADDED_LEVELS:
                values = {"m": 0.01, "u": 0.01}  # a model saved before the level existed: no evidence either way
            if values is None:
                raise ValueError(f"the model has no level {level['label_for_charts']!r} in {comparison['output_column_name']!r}")
            level["m_probability"], level["u_probability"] = values["m"], values["u"]
    return settings


def regularise(params: Params, u_pairs: float, min_m: float = MIN_M) -> Params:
    """Fill what training could not see and keep any one disagreement from vetoing everything.

    - u never seen in the random sample: rarer than one in ``u_pairs``.
    - m never seen by EM: no evidence either way (m = u).
    - m below ``min_m``: raised to it, so a single field that disagrees (a
      typo in a date, a sex recorded wrongly) weighs at most log2(min_m / u),
      about -10 bits, rather than EM's -400 for a level it never saw in a match.
    """
    out = deepcopy(params)
    for levels in out["levels"].values():
        for values in levels.values():
            if not values["u"]:
                values["u"] = 1.0 / u_pairs
            if values["m"] is None:
                values["m"] = values["u"]
            elif values["m"] < min_m:
                values["m"] = min_m
    return out


def cap_weights(params: Params, caps: dict[tuple[str, str], float]) -> Params:
    """Lower m so that no capped level weighs more than its cap (in bits): log2(m / u) <= cap.

    Applied after training and again to a loaded model, so a model can never
    let a shared phone or a twin's birthday count for more than the settings
    allow.
    """
    out = deepcopy(params)
    for (comparison, label), cap in caps.items():
        values = out["levels"].get(comparison, {}).get(label)
        if values and values["m"] is not None and values["u"] and values["m"] > values["u"] * 2**cap:
            values["m"] = values["u"] * 2**cap
    return out


def caps_for(phone_max_weight: float) -> dict[tuple[str, str], float]:
    return {
        ("phone", PHONE_LEVEL): phone_max_weight,
        # Swapped names are counted once, in the given name comparison, not again in the family name.
        ("family_name", SWAPPED): 0.0,
        ("family_name", SWAPPED_TYPO): 0.0,
        # Street names are shared by different people more often than random sampling sees.
        ("aliases", ALIAS_LEVEL): 8.0,
    }


PRACTITIONER_U = 1e-6  # any small u: a set level's weight is log2(m / u)


def set_practitioner(params: Params) -> Params:
    """Set the practitioner levels' weights from the trained ones (``practitioner``); "none of these" weighs 0."""
    out = deepcopy(params)
    levels = out["levels"]
    phone_top_up = max(NAMED_PHONE_MAX_WEIGHT - weight(levels["phone"][PHONE_LEVEL]), 0.0)
    family_back = -min(weight(levels["family_name"]["different"]), 0.0)
    bits = {
        MISTYPED: -min(weight(levels["given_name"]["different"]), 0.0),
        RENAMED_MISTYPED: -min(weight(levels["given_name"]["different"]), 0.0) + family_back,
        CHANGED_FAMILY_PHONE: family_back + phone_top_up,
        CHANGED_FAMILY: family_back,
        NAMED_PHONE: phone_top_up,
    }
    levels["practitioner"] = {label: {"m": PRACTITIONER_U * 2**w, "u": PRACTITIONER_U} for label, w in bits.items()}
    levels["practitioner"][PRACTITIONER_ELSE] = {"m": 1.0, "u": 1.0}
    return out


def set_middle_name(params: Params) -> Params:
    """Set the middle name rule's weight: minus what an exact given name, exact family name and the same address gave.

    A pair that falls in it (no date of birth on one side, middle names
    clearly different) is then judged on everything but its name and home,
    which are exactly what a parent and the child named after them share.
    Built afresh from the trained levels each time, so a model saved before
    the rule existed gets it on load.
    """
    out = deepcopy(params)
    levels = out["levels"]
    bits = name_and_home_bits(levels)
    levels["middle_name"] = {
        MIDDLE_DIFFER: {"m": PRACTITIONER_U * 2**-bits, "u": PRACTITIONER_U},
        MIDDLE_ELSE: {"m": 1.0, "u": 1.0},
    }
    return out


def name_and_home_bits(levels: dict[str, Any]) -> float:
    """What an exact given name, an exact family name and the same address and postcode give: what namesakes share."""
    given = levels.get("given_name", {}).get("exact")
    family = levels.get("family_name", {}).get("exact")
    home = levels.get("location", {}).get("same address and postcode")
    return sum(max(weight(v), 0.0) for v in (given, family, home) if v)


def set_namesake_guard(params: Params) -> Params:
    """Set the namesakes guard: minus what the name and home gave (``name_and_home_bits``) while it holds, 0 when lifted.

    ``params["namesake_guard"]`` says whether it holds (missing: it holds). Built
    afresh each time, so a model saved before the guard existed gets it on load.
    """
    out = deepcopy(params)
    bits = name_and_home_bits(out["levels"]) if out.get("namesake_guard", True) else 0.0
    out["levels"]["namesake_guard"] = {
        NAMESAKE_LEVEL: {"m": PRACTITIONER_U * 2**-bits, "u": PRACTITIONER_U},
        NAMESAKE_ELSE: {"m": 1.0, "u": 1.0},
    }
    return out


def set_twin_guard(params: Params) -> Params:
    """Make the twins guard take back exactly what the date of birth gave (weights -w; "not like twins" 0)."""
    out = deepcopy(params)
    guard = out["levels"].get("twin_guard")
    if guard is None:
        return out
    dob = out["levels"]["date_of_birth"]
    for label, dob_label in ((TWIN_LEVEL, "exact"), (TWIN_PARTIAL_LEVEL, PARTIAL_LEVEL)):
        values = guard.setdefault(label, {"m": None, "u": None})
        u = values.get("u") or 0.5
        values["u"], values["m"] = u, u * 2 ** -max(weight(dob[dob_label]), 0.0)
    other = guard.setdefault(TWIN_ELSE, {"m": None, "u": None})
    other["m"] = other["u"] = other.get("u") or 1.0
    return out


def weight(values: dict[str, float]) -> float:
    return math.log2(values["m"] / values["u"]) if values.get("m") and values.get("u") else 0.0


def prior_weight(params: Params) -> float:
    p = params["probability_two_random_records_match"]
    return math.log2(p / (1 - p))

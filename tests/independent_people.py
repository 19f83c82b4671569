"""An independent multi-agency people scenario for resolution. Shares no code, names or noise with crossline.sim.

Issue 13 asks for F1 of at least 0.98 "on an independent scenario", and
for no nominal that joins two people a generation apart. The simulator is
where the model was tuned, so a score there says little about a scenario
built another way. This one is written from the phenomena the issue names,
with mechanics of its own:

- households of one or two parents and one to four children; in some the
  eldest son carries his father's given name (a "junior"), or a daughter
  her mother's; some take in a cousin of the same given name born a year or
  two apart from their own child; some have twins (one birthday, two names);
- each agency sees a different slice and writes it its own way: the police
  hold adults and teenagers (a PNC id for those arrested), health holds
  everyone (an NHS number, nearly always right), schools hold children
  (a UPN, family name in capitals), children's services hold children and
  their parents, a youth charity holds teenagers by the name they go by
  (short forms from its own list, often no date of birth), housing holds
  adults by their current (married) family name;
- what goes wrong is drawn per record: a married woman's older police record
  under her maiden name; a day whose digits are swapped (02 for 20) or day and
  month swapped; a given name mistyped by hand (two letters replaced or the
  first letter dropped, "Nrad" style); an old address after a move; a
  postcode written without its space or lower case; a phone written with or
  without +44; a record of a parent with no date of birth.

It returns the persons feeds as contract rows and the truth (person, date of birth, and what was done to each record).
All names, places, numbers and identifiers are made up.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

MALE = ["Bradley", "Callum", "Dylan", "Ethan", "Gareth", "Harri", "Jordan", "Kieran", "Liam", "Mason", "Nathan", "Owen",
        "Reece", "Rhys", "Ryan", "Tyler", "Connor", "Jamie", "Lewis", "Morgan", "Aled", "Dafydd", "Ieuan", "Jac", "Kyle",
        "Leon", "Marcus", "Noah", "Osian", "Shane", "Troy", "Wayne", "Darren", "Craig", "Lee", "Dean", "Steven", "Paul",
        "Mark", "Gavin", "Jason", "Carl", "Anthony", "Christopher", "Matthew", "Daniel", "Joseph", "Samuel", "Benjamin"]
FEMALE = ["Natasha", "Chelsea", "Jade", "Kayleigh", "Leah", "Megan", "Nia", "Olivia", "Paige", "Rhiannon", "Seren",
          "Tia", "Amber", "Bethan", "Caitlin", "Demi", "Ffion", "Gemma", "Hollie", "Jessica", "Kirsty", "Lowri", "Mia",
          "Ruby", "Sian", "Tanya", "Zoe", "Alexandra", "Victoria", "Samantha", "Rebecca", "Charlotte", "Elizabeth",
          "Jennifer", "Nicola", "Sharon", "Tracey", "Donna", "Lisa", "Michelle", "Kelly", "Stacey", "Danielle", "Abigail"]
FAMILY = ["Pryce", "Vaughan", "Meredith", "Bowen", "Gwilym", "Probert", "Rees-Tudor", "Llywelyn", "Carew", "Hopkin",
          "Mathias", "Penhallow", "Treharne", "Kemble", "Ashdown", "Birtwhistle", "Corrigan", "Dunmore", "Ellery", "Fenwick",
          "Garside", "Halloran", "Ingleby", "Jarrold", "Kershaw", "Lathom", "Maddox", "Nuttall", "Ormerod", "Pendry",
          "Quayle", "Radstock", "Sowerby", "Thwaite", "Underhill", "Varley", "Whitcombe", "Yardley", "Abbot", "Blackmore",
          "Cheetham", "Daunt", "Eckersley", "Fairclough", "Gorringe", "Hebden", "Iveson", "Jolliffe", "Kitchin", "Lightfoot",
          "Mottram", "Nettleship", "Oddie", "Pilling", "Rawcliffe", "Scarisbrick", "Tattersall", "Uttley", "Walmsley"]
# short forms the youth charity writes; some Crossline's nickname list has, some it may not
SHORT = {"Natasha": "Tash", "Bradley": "Brad", "Callum": "Cal", "Dylan": "Dyl", "Kieran": "Kie", "Nathan": "Nate",
         "Jordan": "Jord", "Christopher": "Kit", "Matthew": "Matty", "Daniel": "Dan", "Joseph": "Joe", "Samuel": "Sam",
         "Benjamin": "Ben", "Anthony": "Ant", "Alexandra": "Lexi", "Victoria": "Tori", "Samantha": "Sam",
         "Rebecca": "Becca", "Charlotte": "Lottie", "Elizabeth": "Libby", "Jennifer": "Jen", "Abigail": "Abbie",
         "Kayleigh": "Kay", "Rhiannon": "Rhi", "Jessica": "Jess", "Danielle": "Dani", "Olivia": "Liv", "Caitlin": "Cait",
         "Megan": "Meg", "Gemma": "Gem", "Michelle": "Shell", "Stacey": "Stace", "Owen": "Ow", "Tyler": "Ty"}
STREETS = ["Heol Las", "Maes y Coed", "Brook Street", "Chapel Row", "Gelli Terrace", "Station Road", "Bryn Awel",
           "Coronation Street", "Railway Terrace", "Park View", "Tudor Close", "Llys Derwen", "Mill Lane", "High Street",
           "Church Road", "Glan yr Afon", "Victoria Avenue", "Pen y Bryn", "Heol y Nant", "Oakfield Drive"]
TOWNS = [("Pontyglas", "CF37"), ("Aberhendre", "CF44"), ("Cwmderi", "NP22"), ("Llanfawr", "NP4"), ("Trefynnon", "SA9"),
         ("Blaenhir", "NP23"), ("Caerwen", "CF83"), ("Nantgarw Isaf", "CF15")]
ROAD_FORMS = {"Street": "St", "Road": "Rd", "Terrace": "Terr", "Avenue": "Ave", "Close": "Cl", "Drive": "Dr", "Lane": "Ln"}
PNC_LETTERS = "ABCDEFGHJKLMNPQRTUVWXY"
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass
class Person:
    person_id: str
    given: str
    family: str  # the family name now
    maiden: str | None
    sex: str
    dob: str
    nhs: str
    phone: str | None
    home: tuple[str, str, str]  # address, town, postcode now
    old_home: tuple[str, str, str] | None
    pnc: str | None = None
    upn: str | None = None
    middle: str = ""


@dataclass
class World:
    people: list[Person] = field(default_factory=list)
    feeds: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    truth: list[dict[str, str]] = field(default_factory=list)  # source, record_id, person_id, variation


def _nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(4, 7)] + [rng.randint(0, 9) for _ in range(8)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


def _pnc(rng: random.Random, dob_year: int, years: str = "issued") -> str:
    """A PNC id first issued at 14 to 30; or, with ``years="any"``, from a system that writes any year from 2000 on."""
    year = (min(2025, dob_year + rng.randint(14, 30)) if years == "issued" else rng.randint(2000, 2025)) % 100
    return f"{year:02d}/{rng.randint(100000, 999999)}{rng.choice(PNC_LETTERS)}"


def _upn(rng: random.Random) -> str:
    body = f"{rng.randint(100, 999)}{rng.randint(1000, 9999)}{rng.randint(1000, 9999)}"
    weights = range(2, 14)
    check = sum(int(c) * w for c, w in zip(body, weights, strict=False)) % 23
    return UPN_LETTERS[check] + body


def _phone(rng: random.Random) -> str:
    return f"07{rng.choice(['72', '73', '75', '77', '78', '79'])}{rng.randint(1000000, 9999999)}"


def _home(rng: random.Random) -> tuple[str, str, str]:
    town, outward = rng.choice(TOWNS)
    postcode = f"{outward} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    return f"{rng.randint(1, 140)} {rng.choice(STREETS)}", town, postcode


def _date(rng: random.Random, year: int) -> str:
    return f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _household(rng: random.Random, world: World, number: int, pnc_years: str = "issued") -> None:
    home = _home(rng)
    moved = _home(rng) if rng.random() < 0.25 else None  # where the family lived before
    family = rng.choice(FAMILY)
    adults: list[Person] = []
    father_year = rng.randint(1965, 1992)
    if rng.random() < 0.75:
        adults.append(Person(f"H{number}-F", rng.choice(MALE), family, None, "M", _date(rng, father_year), _nhs(rng),
                             _phone(rng), home, moved, middle=rng.choice(MALE) if rng.random() < 0.4 else ""))
    mother_year = father_year + rng.randint(-3, 5)
    maiden = rng.choice(FAMILY) if rng.random() < 0.6 else None
    adults.append(Person(f"H{number}-M", rng.choice(FEMALE), family, maiden if maiden != family else None, "F",
                         _date(rng, mother_year), _nhs(rng), _phone(rng), home, moved,
                         middle=rng.choice(FEMALE) if rng.random() < 0.4 else ""))
    children: list[Person] = []
    first_child = min(mother_year, father_year) + rng.randint(19, 32)
    for k in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4])):
        year = min(2017, first_child + 2 * k + rng.randint(0, 1))
        sex = rng.choice("MF")
        given = rng.choice(MALE if sex == "M" else FEMALE)
        parent = next((a for a in adults if a.sex == sex), None)
        if k == 0 and parent is not None and rng.random() < 0.3:
            given = parent.given  # a junior: the parent's given name
        child = Person(f"H{number}-C{k}", given, family, None, sex, _date(rng, year), _nhs(rng),
                       _phone(rng) if year <= 2012 else None, home, moved, upn=_upn(rng))
        children.append(child)
        if k == 0 and rng.random() < 0.05:  # twins: one birthday, another name
            twin_given = rng.choice([g for g in (MALE if sex == "M" else FEMALE) if g != given])
            children.append(Person(f"H{number}-T{k}", twin_given, family, None, sex, child.dob, _nhs(rng),
                                   _phone(rng) if year <= 2012 else None, home, moved, upn=_upn(rng)))
    if children and rng.random() < 0.06:  # a cousin of the same given name, taken in, a year or two apart
        c = children[0]
        year = int(c.dob[:4]) + rng.choice([-2, -1, 1, 2])
        children.append(Person(f"H{number}-K", c.given, family if rng.random() < 0.5 else rng.choice(FAMILY), None, c.sex,
                               _date(rng, year), _nhs(rng), None, home, None, upn=_upn(rng)))
    for p in adults + children:
        if int(p.dob[:4]) <= 2010 and rng.random() < (0.35 if p in children else 0.25):
            p.pnc = _pnc(rng, int(p.dob[:4]), pnc_years)
    world.people += adults + children


def _typo(rng: random.Random, name: str) -> str:
    """A given name mistyped by hand: the first letter dropped and one more replaced, or two letters replaced."""
    letters = list(name.lower())
    if rng.random() < 0.4 and len(letters) > 4:
        letters = letters[1:]
        letters[0] = rng.choice("bcdfghklmnprstvw")
    else:
        for i in rng.sample(range(1, len(letters)), min(2, len(letters) - 1)):
            letters[i] = rng.choice("aeioubcdfghklmnrst")
    return "".join(letters).capitalize()


def _swap_day(dob: str) -> str | None:
    """Day digits swapped (02 for 20, 13 for 31), or None when the swap gives no valid other day."""
    day = dob[8:10]
    swapped = day[::-1]
    if swapped == day or not 1 <= int(swapped) <= 28:
        return None
    return dob[:8] + swapped


def _postcode(rng: random.Random, postcode: str) -> str:
    r = rng.random()
    return postcode.replace(" ", "") if r < 0.15 else postcode.lower() if r < 0.25 else postcode


def _address(rng: random.Random, address: str) -> str:
    for long, short in ROAD_FORMS.items():
        if address.endswith(long) and rng.random() < 0.4:
            return address[: -len(long)] + short
    return address


def _phone_form(rng: random.Random, phone: str) -> str:
    r = rng.random()
    return f"+44 {phone[1:5]} {phone[5:]}" if r < 0.3 else f"{phone[:5]} {phone[5:]}" if r < 0.6 else phone


def _record(world: World, rng: random.Random, source: str, p: Person, *, charity: bool = False, upper: bool = False,
            old_name: bool = False, with_dob: bool = True) -> None:
    """One agency's record of ``p``, with the noise drawn for it."""
    variations = []
    given, family = p.given, p.family
    if old_name and p.maiden:
        family = p.maiden
        variations.append("old_surname")
    if charity and given in SHORT and rng.random() < 0.6:
        given = SHORT[given]
        variations.append("short_form")
    elif rng.random() < 0.02:
        given = _typo(rng, given)
        variations.append("bad_typo")
    dob = p.dob if with_dob else ""
    if not dob:
        variations.append("no_dob")
    elif rng.random() < 0.03 and (swapped := _swap_day(dob)):
        dob = swapped
        variations.append("day_swapped")
    home = p.home
    if p.old_home and rng.random() < 0.3:
        home = p.old_home
        variations.append("old_address")
    feed = world.feeds.setdefault(source, [])
    record_id = f"{source[:3].upper()}{len(feed) + 1:06d}"
    feed.append({
        "record_id": record_id, "given_name": given, "family_name": family.upper() if upper else family,
        "other_names": p.middle if source in ("health", "police") else "",
        "date_of_birth": dob, "sex": p.sex, "address": _address(rng, home[0]), "town": home[1],
        "postcode": _postcode(rng, home[2]), "phone": _phone_form(rng, p.phone) if p.phone and rng.random() < 0.8 else "",
        "pnc_id": p.pnc if source == "police" and p.pnc else "", "nhs_number": p.nhs if source == "health" else "",
        "upn": p.upn if source == "school" and p.upn else "",
    })
    world.truth.append({"source": source, "record_id": record_id, "person_id": p.person_id, "variation": ";".join(variations)})


def independent_people(seed: int, households: int = 1200, pnc_years: str = "issued") -> World:
    """The people of ``households`` homes and the records six agencies hold of them.

    ``pnc_years="any"`` stands for a police system whose PNC ids' first part is
    any year, not the year the person was first recorded: many teenagers'
    ids then look older than they are.
    """
    rng = random.Random(seed)
    world = World()
    for h in range(households):
        _household(rng, world, h, pnc_years)
    for p in world.people:
        year = int(p.dob[:4])
        child = year >= 2005
        if rng.random() < 0.9:
            _record(world, rng, "health", p)
        if p.pnc or (year <= 2011 and rng.random() < 0.25):
            _record(world, rng, "police", p, old_name=rng.random() < 0.7, with_dob=rng.random() < 0.95)
            if rng.random() < 0.3:  # a second police record, years later
                _record(world, rng, "police", p)
        if child and year >= 2007:
            _record(world, rng, "school", p, upper=True)
        if (child and rng.random() < 0.3) or (not child and rng.random() < 0.15):
            _record(world, rng, "childrens-services", p, with_dob=child or rng.random() < 0.6)
        if child and 2005 <= year <= 2012 and rng.random() < 0.3:
            _record(world, rng, "youth-charity", p, charity=True, with_dob=rng.random() < 0.4)
        if not child and rng.random() < 0.3:
            _record(world, rng, "housing", p, with_dob=rng.random() < 0.8)
    return world


COLUMNS = ["record_id", "given_name", "family_name", "other_names", "date_of_birth", "sex", "address", "town", "postcode",
           "phone", "pnc_id", "nhs_number", "upn"]
AGENCY_TYPES = {"health": "health", "police": "police", "school": "education", "childrens-services": "local_authority",
                "youth-charity": "charity", "housing": "housing"}


def write_bundle(world: World, out: Path) -> Path:
    """The world's persons feeds as a contract v1 bundle (one agency per feed)."""
    out.mkdir(parents=True, exist_ok=False)
    manifest = ['contract_version = 1', f'bundle = "{out.name}"', 'produced_at = "2026-12-01T09:00:00Z"', ""]
    for source in world.feeds:
        manifest += ["[[agency]]", f'id = "{source}"', f'name = "{source}"', f'type = "{AGENCY_TYPES[source]}"', ""]
    for source, rows in world.feeds.items():
        with (out / f"{source}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        manifest += ["[[feed]]", f'file = "{source}.csv"', 'kind = "persons"', f'source = "{source}"', ""]
    (out / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    return out

"""Hand-written person records for the resolve tests: one case per behaviour issue 4 asks for.

Made-up people with surnames the simulator never uses, so the scenario they
are imported beside cannot interfere. Each case says which records must end
up in one nominal and which must stay apart.
"""

from __future__ import annotations

from pathlib import Path

HEADER = "record_id,given_name,family_name,other_names,aliases,date_of_birth,sex,address,town,postcode,phone,pnc_id,nhs_number,upn,other_ids"

POLICE = [
    # a household sharing one phone: three different people
    "CP-1,Gareth,Quilliam,,,1978-02-11,M,12 Mortimer Row,Newport,NP20 7QZ,07712 345678,,,,",
    "CP-2,Sian,Quilliam,,,1981-06-30,F,12 Mortimer Row,Newport,NP20 7QZ,07712 345678,,,,",
    # a nickname
    "CP-3,Bill,Tregarthen,,,1990-04-17,M,4 Kestrel Way,Cwmbran,NP44 3RT,,,,,",
    # swapped names (the police record has them the right way round)
    "CP-4,Aled,Haverford,,,1995-12-01,M,88 Heol Fach,Risca,NP11 6JB,,,,,",
    # a partial date of birth
    "CP-5,Carys,Lloyd-Vaughan,,,2009,F,3 Tan y Bryn,Blackwood,NP12 1LW,,,,,",
    # a shared PNC id across two forces, names written differently, another address
    "CP-6,Dylan,Margetson,,Dilly,2004-05-05,M,9 Quarry Lane,Pontypool,NP4 6HD,,04/123456A,,,",
    # known to the police by another first name, the house number written wrongly, NHS number (from custody
    # healthcare) mistyped by one digit
    "CP-7,Kai,Bracegirdle,,,2008-10-14,M,41 Ffordd Celyn,Newport,NP19 4DE,,,4010232184,,",
]
OTHER_FORCE = [
    "MP-1,Dyl,Margetsen,,,,M,Flat 2 41 Dock Road,Liverpool,L20 8AE,,04/123456A,,,",
]
SCHOOL = [
    # the household's child: the school holds the parents' phone as its contact number
    "CS-1,Ffion,Quilliam,,,2011-09-05,F,12 Mortimer Row,Newport,NP20 7QZ,07712 345678,,,A123456789012,",
    # day and month swapped
    "CS-2,Osian,Penhallow,,,2010-03-07,M,27 Brynhyfryd,Ebbw Vale,NP23 5TG,,,,B223456789012,",
    # the full date behind the partial one
    "CS-3,Carys,Lloyd-Vaughan,,,2009-11-23,F,3 Tan y Bryn,Blackwood,NP12 1LW,,,,C323456789012,",
    # twins: same surname, address, birthday and contact phone, different given names
    "CS-4,Megan,Trevaskis,,,2012-08-19,F,6 Gwern Close,Abertillery,NP13 2PX,07713 456789,,,D423456789012,",
    "CS-5,Mali,Trevaskis,,,2012-08-19,F,6 Gwern Close,Abertillery,NP13 2PX,07713 456789,,,E523456789012,",
]
HEALTH = [
    "CH-1,William,Tregarthen,,,1990-04-17,M,4 Kestrel Way,Cwmbran,NP44 3RT,,,4010232137,,",
    "CH-2,Haverford,Aled,,,1995-12-01,M,88 Heol Fach,Risca,NP11 6JB,,,4010232145,,",
    "CH-3,Osian,Penhallow,,,2010-07-03,M,27 Brynhyfryd,Ebbw Vale,NP23 5TG,,,4010232153,,",
    # each twin's own health record
    "CH-4,Megan,Trevaskis,,,2012-08-19,F,6 Gwern Close,Abertillery,NP13 2PX,07713 456789,,4010232161,,",
    "CH-5,Mali,Trevaskis,,,2012-08-19,F,6 Gwern Close,Abertillery,NP13 2PX,07713 456789,,4010232178,,",
    "CH-6,Jayden,Bracegirdle,,,2008-10-14,M,15 Ffordd Celyn,Newport,NP19 4DE,,,4010232194,,",
]

SOURCES = {
    "case-police": ("police", "case_police/persons.csv", POLICE),
    "case-other-force": ("police", "case_other_force/persons.csv", OTHER_FORCE),
    "case-school": ("education", "case_school/persons.csv", SCHOOL),
    "case-health": ("health", "case_health/persons.csv", HEALTH),
}

# (description, records that must share a nominal)
SAME = [
    ("nickname", [("case-police", "CP-3"), ("case-health", "CH-1")]),
    ("swapped names", [("case-police", "CP-4"), ("case-health", "CH-2")]),
    ("day and month swapped", [("case-school", "CS-2"), ("case-health", "CH-3")]),
    ("partial date of birth", [("case-police", "CP-5"), ("case-school", "CS-3")]),
    ("shared PNC id", [("case-police", "CP-6"), ("case-other-force", "MP-1")]),
    ("twin Megan's records", [("case-school", "CS-4"), ("case-health", "CH-4")]),
    ("twin Mali's records", [("case-school", "CS-5"), ("case-health", "CH-5")]),
    # given names differ as twins' do, but an identifier one character apart is a typo of one identifier
    ("another first name, NHS number mistyped", [("case-police", "CP-7"), ("case-health", "CH-6")]),
]
# (description, records that must each be in a different nominal)
APART = [
    ("household sharing a phone", [("case-police", "CP-1"), ("case-police", "CP-2"), ("case-school", "CS-1")]),
    ("twins", [("case-school", "CS-4"), ("case-school", "CS-5")]),
]


def write_cases(root: Path, extra: dict[str, list[str]] | None = None) -> Path:
    """A contract bundle of the cases (``extra``: more rows per source, e.g. a record that joins later)."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = ['contract_version = 1\nbundle = "resolve-cases"\nproduced_at = "2026-11-21T09:00:00Z"\n']
    for source, (kind, _, _) in SOURCES.items():
        manifest.append(f'[[agency]]\nid = "{source}"\nname = "{source}"\ntype = "{kind}"\n')
    for source, (_, file, rows) in SOURCES.items():
        manifest.append(f'[[feed]]\nfile = "{file}"\nkind = "persons"\nsource = "{source}"\n')
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        body = [HEADER, *rows, *((extra or {}).get(source, []))]
        path.write_text("\n".join(body) + "\n", encoding="utf-8")
    (root / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    return root

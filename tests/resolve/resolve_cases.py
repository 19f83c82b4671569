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
    "MP-41,Reece,Tremayne,,,2001-12-02,M,21 Ffordd Las,Caerphilly,CF83 3AA,,05/778812P,,,",
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
    # the girl of CH-50 with a wholly wrong date of birth (her mother's): only the UPN her council record shares says whose
    "CS-50,Morwenna,Polglase,,,1983-09-27,F,7 Heol Derw,Tredegar,NP22 3QR,,,,F523456789050,",
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
# Issue 13: people a generation apart who share a name and a home, and the links a practitioner would make.
# NHS numbers here carry valid check digits (4020000018 ...), so two that differ are two people.
HEALTH += [
    # father and son: same name, address and phone, 45 years apart, different NHS numbers
    "CH-10,Bradley,Ashcombe,,,1968-03-02,M,14 Larch Row,Newport,NP20 5AB,07700 900111,,4020000018,,",
    "CH-11,Bradley,Ashcombe,,,2013-05-01,M,14 Larch Row,Newport,NP20 5AB,07700 900111,,4020000026,,",
    # mother and daughter
    "CH-12,Natalie,Pellow,,,1979-11-08,F,2 Sycamore Bank,Blaenavon,NP4 9QA,07700 900121,,4020000034,,",
    "CH-13,Natalie,Pellow,,,2009-11-08,F,2 Sycamore Bank,Blaenavon,NP4 9QA,07700 900121,,4020000042,,",
    # two girls of one name at one address, born two years apart (cousins)
    "CH-14,Keira,Mossop,,,2011-04-09,F,30 Heol Derw,Tredegar,NP22 3LL,,,4020000050,,",
    "CH-15,Keira,Mossop,,,2013-01-22,F,30 Heol Derw,Tredegar,NP22 3LL,,,4020000069,,",
    # a badly mistyped given name on the school's record (below)
    "CH-16,Bradley,Haslingden,,,2012-01-15,M,7 Quarry Close,Pontypool,NP4 5TT,,,4020000077,,",
    # a short form the nickname list lacked and a misspelt family name on the school's record
    "CH-17,Natasha,Wolstenholme,,,2010-10-30,F,51 Maes y Coed,Abergavenny,NP7 6DF,,,4020000085,,",
    # a day with its digits transposed on the school's record
    "CH-18,Corey,Pendlebury,,,2011-09-20,M,9 Bryn Teg,Caerphilly,CF83 1PP,,,4020000093,,",
    # two letters of a short given name mistyped on the school's record (Siih for Sian)
    "CH-19,Sian,Treharne,,,2011-02-14,F,40 Heol Isaf,Merthyr Tydfil,CF47 8AA,,,4020000107,,",
    # a badly mistyped given name on the police record (below), taken at her old home: her mobile is the same
    "CH-23,Paige,Marchbank,,,2001-11-04,F,20 Tudor Close,Caerphilly,CF83 2GR,07700 900551,,4020000123,,",
    # twins of two known names a letter apart: the health records carry their mother's mobile, one at the old home
    "CH-24,Evan,Rosser,,,2014-03-03,M,6 Clos Helyg,Bargoed,CF81 8QA,07700 900552,,4020000131,,",
    "CH-25,Ewan,Rosser,,,2014-03-03,M,31 Heol Uchaf,Bargoed,CF81 8RB,07700 900552,,4020000158,,",
    # a girl whose school keyed her mother's date of birth into her record (CS-50); her council record shares the UPN
    "CH-50,Morwenna,Polglase,,,2010-04-12,F,7 Heol Derw,Tredegar,NP22 3QR,,,4020000115,,",
]
SCHOOL += [
    "CS-10,Bradley,Ashcombe,,,2013-05-01,M,14 Larch Row,Newport,NP20 5AB,07700 900111,,,F623456789012,",
    "CS-13,Natalie,Pellow,,,2009-11-08,F,2 Sycamore Bank,Blaenavon,NP4 9QA,07700 900121,,,G723456789012,",
    "CS-14,Keira,Mossop,,,2011-04-09,F,30 Heol Derw,Tredegar,NP22 3LL,,,,H823456789012,",
    "CS-15,Keira,Mossop,,,2013-01-22,F,30 Heol Derw,Tredegar,NP22 3LL,,,,J923456789012,",
    "CS-16,Nrad,Haslingden,,,2012-01-15,M,7 Quarry Close,Pontypool,NP4 5TT,,,,K023456789012,",
    "CS-17,Tash,Wolstenhome,,,2010-10-30,F,51 Maes y Coed,Abergavenny,NP7 6DF,,,,L123456789012,",
    "CS-18,Corey,Pendlebury,,,2011-09-02,M,9 Bryn Teg,Caerphilly,CF83 1PP,,,,M223456789012,",
    "CS-19,Siih,Treharne,,,2011-02-14,F,40 Heol Isaf,Merthyr Tydfil,CF47 8AA,,,,P423456789012,",
    # twins whose names are two letters apart, both names a practitioner knows: two girls, not a typo
    "CS-21,Lily,Gethin,,,2013-06-03,F,11 Maes Glas,Aberdare,CF44 6TT,,,,Q523456789012,",
    "CS-22,Lola,Gethin,,,2013-06-03,F,11 Maes Glas,Aberdare,CF44 6TT,,,,R623456789012,",
    # the daughter named after her mother (CP-20), with her own middle name
    "CS-20,Katrin,Rosewarne,Morwenna,,2011-05-16,F,19 Ffordd Helyg,Cwmbran,NP44 2HW,,,,N323456789012,",
]
POLICE += [
    "CP-10,Bradley,Ashcombe,,,1968-03-02,M,14 Larch Row,Newport,NP20 5AB,,98/765432K,,,",
    "CP-12,Natalie,Pellow,,,1979-11-08,F,2 Sycamore Bank,Blaenavon,NP4 9QA,,97/123987L,,,",
    # Paige (CH-23), her given name badly mistyped, at the flat she lived in before: date, family name and phone agree
    "CP-23,Paiar,Marchbank,,,2001-11-04,F,Flat 3 133 Heol Fawr,Caerphilly,CF83 8BA,07700900551,,,,",
    # Tia Penberthy (CC-26) under her maiden name, her given name badly mistyped: date, home and mobile agree
    "CP-26,Tuo,Nancarrow,,,1967-06-18,F,126 Station Rd,Newport,NP20 4QQ,07700900561,,,,",
    # a mother's only record, without a date of birth: her daughter's name and home, another middle name
    "CP-20,Katrin,Rosewarne,Elowen,,,F,19 Ffordd Helyg,Cwmbran,NP44 2HW,,,,,",
    # a young man who gave one force a false date of birth: the PNC id tells it is him (the namesakes guard
    # never takes back a name and home that an identifier confirms)
    "CP-41,Reece,Tremayne,,,2003-07-19,M,21 Ffordd Las,Caerphilly,CF83 3AA,,05/778812P,,,",
]
COUNCIL = [
    # married: the council knows her by her married name, at her new home; the phone is the same
    "CC-1,Rhiannon,Fairweather,,,1990-06-14,F,22 Beech Walk,Newport,NP19 7QR,07700 900222,,,,",
    # the council's record of a boy the youth charity knows without a date of birth
    "CC-2,Tyler,Brennock,,,2010-02-11,M,5 Cae Mawr,Bargoed,CF81 8TT,07700 900333,,,,",
    "CC-3,Jade,Ormsby,,,2011-07-19,F,17 Nant Road,Brynmawr,NP23 4AA,07700 900444,,,,",
    "CC-5,Eluned,Corrigall,,,2012-03-14,F,8 Heol Madoc,Abertillery,NP13 1AA,,,,,",
    # a boy whose council record carries his mother's number as its contact, and the mother's own record
    "CC-31,Mason,Tregenza,,,2010-04-22,M,12 Clos Glas,Bargoed,CF81 9PL,07700 900777,,,,",
    "CC-32,Lowenna,Tregenza,,,1984-01-30,F,12 Clos Glas,Bargoed,CF81 9PL,07700 900777,,,,",
    # brothers at one home, Jayden and Jaden, born two years apart; no identifier on either record (the
    # namesakes guard: a name and a home are all they share with each other, and each other's records)
    "CC-40,Jayden,Pengelly,,,2009-06-21,M,3 Heol y Nant,Ystrad Mynach,CF82 7AB,07700 900888,,,,",
    "CC-41,Jaden,Pengelly,,,2011-02-08,M,3 Heol y Nant,Ystrad Mynach,CF82 7AB,07700 900888,,,,",
    # a boy of one name with his cousin, taken in; the council knows one of them, the charity the other
    "CC-42,Ellis,Penwarden,,,2010-03-03,M,26 Stryd y Castell,Rhymney,NP22 5HH,,,,,",
    "CC-26,Tia,Penberthy,,,1967-06-18,F,126 Station Road,Newport,NP20 4QQ,07700 900561,,,,",
    # twin sisters, both married, both at their mother's home with her number: two known names two letters apart
    "CC-27,Lily,Tregarth,,,1988-02-02,F,4 Heol Wen,Caerphilly,CF83 2LL,07700 900562,,,,",
    "CC-28,Lola,Pendower,,,1988-02-02,F,4 Heol Wen,Caerphilly,CF83 2LL,07700 900562,,,,",
    # the girl of CH-50 and CS-50: her own date, and the UPN her school record holds
    "CC-50,Morwenna,Polglase,,,2010-04-12,F,7 Heol Derw,Tredegar,NP22 3QR,,,,F523456789050,",
]
YOUTH = [
    # the same woman under her maiden name: same date of birth and phone
    "CY-1,Rhiannon,Kettleby,,,1990-06-14,F,3 Alder Court,Cwmbran,NP44 1XY,07700 900222,,,,",
    # no date of birth: name with phone and full address; name with phone alone
    "CY-2,Tyler,Brennock,,,,M,5 Cae Mawr,Bargoed,CF81 8TT,07700 900333,,,,",
    "CY-3,Jade,Ormsby,,,,F,,,,07700 900444,,,,",
    # no date of birth, the father's and the son's name, address and phone: the link in a chain son - this - father
    "CY-4,Bradley,Ashcombe,,,,M,14 Larch Row,Newport,NP20 5AB,07700 900111,,,,",
    # no date of birth, no postcode, no phone, the street misspelt: found only by name, house number and town
    "CY-5,Eluned,Corrigall,,,,F,8 Heol Maddoc,Abertillery,,,,,,",
    # the daughter (CS-20) at the charity, without a date of birth: her middle name written as an initial
    "CY-20,Katrin,Rosewarne,M,,,F,19 Ffordd Helyg,Cwmbran,NP44 2HW,,,,,",
    # the boy (CC-31) at the charity, no date of birth, with his own mobile
    "CY-31,Mason,Tregenza,,,,M,12 Clos Glas,Bargoed,CF81 9PL,07700 900666,,,,",
    # the elder brother (CC-40) at the charity: his own name and date, the house written differently
    "CY-40,Jayden,Pengelly,,,2009-06-21,M,3 Heol-y-Nant,Ystrad Mynach,CF82 7AB,,,,,",
    # the cousin of CC-42, born two years later
    "CY-42,Ellis,Penwarden,,,2012-11-17,M,26 Stryd y Castell,Rhymney,NP22 5HH,,,,,",
]

SOURCES = {
    "case-police": ("police", "case_police/persons.csv", POLICE),
    "case-other-force": ("police", "case_other_force/persons.csv", OTHER_FORCE),
    "case-school": ("education", "case_school/persons.csv", SCHOOL),
    "case-health": ("health", "case_health/persons.csv", HEALTH),
    "case-council": ("local_authority", "case_council/persons.csv", COUNCIL),
    "case-youth": ("charity", "case_youth/persons.csv", YOUTH),
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
    ("father's records", [("case-health", "CH-10"), ("case-police", "CP-10")]),
    ("son's records", [("case-health", "CH-11"), ("case-school", "CS-10")]),
    ("daughter's records", [("case-health", "CH-13"), ("case-school", "CS-13")]),
    ("mother's records", [("case-health", "CH-12"), ("case-police", "CP-12")]),
    ("elder girl's records", [("case-health", "CH-14"), ("case-school", "CS-14")]),
    ("younger girl's records", [("case-health", "CH-15"), ("case-school", "CS-15")]),
    ("married name, same date of birth and phone", [("case-youth", "CY-1"), ("case-council", "CC-1")]),
    ("no date of birth, name with phone and address", [("case-youth", "CY-2"), ("case-council", "CC-2")]),
    ("no date of birth, name with phone", [("case-youth", "CY-3"), ("case-council", "CC-3")]),
    ("no date of birth or postcode, street misspelt: name, house number and town",
     [("case-youth", "CY-5"), ("case-council", "CC-5")]),
    ("day digits transposed", [("case-school", "CS-18"), ("case-health", "CH-18")]),
    ("badly mistyped given name, date and address exact", [("case-school", "CS-16"), ("case-health", "CH-16")]),
    ("two letters of a short given name mistyped, date and address exact", [("case-school", "CS-19"), ("case-health", "CH-19")]),
    ("badly mistyped given name, another address: date, family name and phone exact", [("case-police", "CP-23"), ("case-health", "CH-23")]),
    ("maiden name and a badly mistyped given name: date, home and phone exact", [("case-police", "CP-26"), ("case-council", "CC-26")]),
    ("short form missing from the list, family name misspelt", [("case-school", "CS-17"), ("case-health", "CH-17")]),
    ("no date of birth, middle name as an initial: name and address", [("case-youth", "CY-20"), ("case-school", "CS-20")]),
    # his own mobile is none of his council record's numbers, but a child's number may be a parent's (his mother's)
    ("no date of birth, own mobile; the dated record carries his mother's number",
     [("case-youth", "CY-31"), ("case-council", "CC-31")]),
    ("elder brother's records: name, date and home", [("case-youth", "CY-40"), ("case-council", "CC-40")]),
    ("a false date of birth given to one force, the PNC id shared", [("case-police", "CP-41"), ("case-other-force", "MP-41")]),
    ("a wholly wrong date of birth, the UPN shared with a record holding her own date",
     [("case-health", "CH-50"), ("case-council", "CC-50"), ("case-school", "CS-50")]),
]
# (description, records that must each be in a different nominal)
APART = [
    ("household sharing a phone", [("case-police", "CP-1"), ("case-police", "CP-2"), ("case-school", "CS-1")]),
    ("twins", [("case-school", "CS-4"), ("case-school", "CS-5")]),
    ("twins of two known names two letters apart", [("case-school", "CS-21"), ("case-school", "CS-22")]),
    ("twins of two known names a letter apart, their mother's mobile on both, one at the old home",
     [("case-health", "CH-24"), ("case-health", "CH-25")]),
    ("married twin sisters of two known names, their mother's home and number on both",
     [("case-council", "CC-27"), ("case-council", "CC-28")]),
    ("father and son, 45 years apart", [("case-health", "CH-10"), ("case-health", "CH-11")]),
    ("mother and daughter", [("case-health", "CH-12"), ("case-health", "CH-13")]),
    ("two girls of one name at one address, two years apart", [("case-health", "CH-14"), ("case-health", "CH-15")]),
    # the record without a date of birth links to one of them, but never chains the two together
    ("son - record without date of birth - father", [("case-school", "CS-10"), ("case-police", "CP-10")]),
    # no constraint can fire (one date only, no family link): the middle names tell them apart
    ("mother without a date of birth, daughter of her name and home, middle names differ",
     [("case-police", "CP-20"), ("case-school", "CS-20")]),
    # no identifier, no constraint: the dates differ in every part and no typo explains them (namesakes guard)
    ("brothers Jayden and Jaden at one home, two years apart, no identifier",
     [("case-council", "CC-40"), ("case-council", "CC-41")]),
    ("the younger brother and the elder's charity record", [("case-council", "CC-41"), ("case-youth", "CY-40")]),
    ("cousins of one name at one home, two years apart, no identifier", [("case-council", "CC-42"), ("case-youth", "CY-42")]),
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

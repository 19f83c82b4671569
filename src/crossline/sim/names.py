"""Small made-up name lists: given names, family names, nicknames, streets, brands.

Common given and family names of Wales and England (with some of other
origins), combined at random: no record describes a real person. Streets are
invented from common place-name words.
"""

from __future__ import annotations

GIVEN_F_OLDER = (
    "Susan", "Sian", "Karen", "Helen", "Elizabeth", "Margaret", "Catherine", "Jennifer",
    "Rhiannon", "Angharad", "Gwen", "Carol", "Julie", "Tracey", "Nia", "Lisa", "Michelle",
    "Joanne", "Rebecca", "Sarah", "Emma", "Claire", "Katherine", "Deborah", "Patricia",
    "Christine", "Nicola", "Amanda", "Victoria", "Alison", "Bethan", "Ceri", "Samantha",
    "Aisha", "Fatima", "Agnieszka", "Grace", "Mary", "Anne", "Judith",
)
GIVEN_M_OLDER = (
    "David", "Gareth", "William", "Robert", "Richard", "Thomas", "Michael", "Christopher",
    "Stephen", "Andrew", "Rhodri", "Huw", "Dafydd", "Ieuan", "Gwyn", "Mark", "Paul", "Jonathan",
    "Anthony", "Daniel", "Matthew", "James", "Peter", "John", "Philip", "Kevin", "Darren",
    "Wayne", "Lee", "Craig", "Steven", "Alan", "Edward", "Samuel", "Benjamin", "Joseph",
    "Mohammed", "Tomasz", "Kwame", "Patrick",
)
GIVEN_F_YOUNG = (
    "Ffion", "Seren", "Cerys", "Megan", "Lily", "Ella", "Olivia", "Amelia", "Isla", "Grace",
    "Evie", "Mia", "Nia", "Lowri", "Erin", "Chloe", "Jessica", "Poppy", "Elin", "Alys",
    "Freya", "Ruby", "Sophie", "Holly", "Jade", "Tegan", "Caitlin", "Maisie", "Layla",
    "Zara", "Amara", "Hana", "Maja", "Katie", "Abigail", "Elizabeth", "Rebecca", "Victoria",
    "Catrin", "Mali",
)
GIVEN_M_YOUNG = (
    "Kai", "Rhys", "Jac", "Osian", "Dylan", "Mason", "Harri", "Noah", "Oliver", "Jack",
    "Ethan", "Tyler", "Callum", "Lewis", "Owen", "Cai", "Leo", "Logan", "Riley", "Jayden",
    "Aaron", "Connor", "Liam", "Kieran", "Tomos", "Iestyn", "Morgan", "Alfie", "Charlie",
    "Archie", "Zayn", "Ibrahim", "Kacper", "Tobi", "William", "Robert", "Daniel", "Joshua",
    "Nathan", "Samuel",
)
FAMILY = (
    "Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan",
    "Griffiths", "Price", "Edwards", "Powell", "Harris", "James", "Phillips", "Watkins",
    "Rees", "Jenkins", "Morris", "Owen", "Richards", "Pritchard", "Bevan", "Lloyd", "Parry",
    "Howells", "Prosser", "Meredith", "Vaughan", "Probert", "Llewellyn", "Gwilliam", "Jarvis",
    "Smith", "Taylor", "Brown", "Wilson", "Walker", "Wright", "Green", "Hall", "Wood",
    "Clarke", "Turner", "Hill", "Cooper", "Ward", "Baker", "Carter", "Mitchell", "Bennett",
    "Murphy", "O'Brien", "Kelly", "Campbell", "Stewart", "Macdonald", "Nowak", "Kowalski",
    "Wisniewski", "Okafor", "Mensah", "Adeyemi", "Ali", "Hussain", "Khan", "Patel", "Rahman",
    "Begum", "Ahmed", "Chowdhury", "Nguyen", "Santos", "Ferreira", "Jones-Price", "Lewis-Hughes",
)

# given name -> nicknames it is recorded as (the first is the commonest)
NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy"),
    "Robert": ("Rob", "Bob", "Bobby"),
    "Richard": ("Rich", "Dick", "Richie"),
    "Thomas": ("Tom", "Tommy"),
    "Michael": ("Mike", "Mick"),
    "Christopher": ("Chris",),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Andrew": ("Andy", "Drew"),
    "David": ("Dai", "Dave", "Davy"),
    "Dafydd": ("Dai", "Dafs"),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "James": ("Jim", "Jamie", "Jimmy"),
    "Jonathan": ("Jon", "Jonny"),
    "Anthony": ("Tony", "Ant"),
    "Edward": ("Ed", "Ted", "Eddie"),
    "Samuel": ("Sam", "Sammy"),
    "Benjamin": ("Ben",),
    "Joseph": ("Joe",),
    "Joshua": ("Josh",),
    "Nathan": ("Nat",),
    "Callum": ("Cal",),
    "Oliver": ("Ollie",),
    "Alfie": ("Alf",),
    "Charlie": ("Chaz",),
    "Tomos": ("Tom", "Twm"),
    "Iestyn": ("Iest",),
    "Patrick": ("Pat", "Paddy"),
    "Mohammed": ("Mo",),
    "Ibrahim": ("Ibby",),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Catherine": ("Cath", "Kate", "Cathy"),
    "Katherine": ("Kath", "Kate"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Jennifer": ("Jen", "Jenny"),
    "Rebecca": ("Becky", "Becca"),
    "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam", "Sammy"),
    "Patricia": ("Pat", "Trish"),
    "Deborah": ("Debbie", "Deb"),
    "Christine": ("Chris", "Chrissy"),
    "Nicola": ("Nicky",),
    "Amanda": ("Mandy",),
    "Jessica": ("Jess",),
    "Abigail": ("Abbie", "Abi"),
    "Angharad": ("Hari",),
    "Rhiannon": ("Rhi",),
    "Caitlin": ("Cait",),
    "Catrin": ("Cat",),
    "Bethan": ("Beth",),
    "Judith": ("Judy",),
}

# made-up street names given to people: the "aliases" column
STREET_ALIASES = (
    "Tiny", "K-Dog", "Smokey", "Bandz", "Little T", "Ghost", "Pepper", "Skinny", "Ace",
    "Chubbs", "Junior", "Mouse", "Shadow", "Dice", "Blade", "Snowy", "Ginger", "Stretch",
    "Bugsy", "Taz", "Zippy", "Bones", "Flash", "Rocco", "Milly", "Jinx", "Red", "Gizmo",
    "Scrappy", "Kilo", "Moneybags", "Sly", "Biggie", "Twitch", "Nitro",
)

# brands customers know a line by ("the Jay line")
LINE_BRANDS = (
    "Jay", "Tiny", "Ace", "Bando", "Kilo", "Benz", "Moneybags", "Scouse", "Brum", "Cash",
    "Nitro", "Rico", "Dizzy", "Zed", "Fresh", "Gucci", "Tommy", "Mikey", "Smudge", "Remy",
    "Chase", "Flex", "Skeng", "Dinks", "Milo", "Paco", "Blue", "Sonic", "Turbo", "Vegas",
)

STREET_STEMS = (
    "Dock", "Commercial", "Chepstow", "Caerleon", "Church", "Station", "Mill", "Hill", "Park",
    "Bridge", "Castle", "Chapel", "Market", "Victoria", "Albert", "Alexandra", "Oak", "Ash",
    "Beech", "Elm", "Willow", "Heol y Nant", "Heol Las", "Maes y Coed", "Brynglas", "Pen y Bryn",
    "Tredegar", "Cardiff", "Llanfrechfa", "Greenmeadow", "Llanover", "Brecon", "Usk", "Monmouth",
    "Glebe", "Orchard", "Meadow", "Forge", "Colliery", "Tramroad", "Canal", "River", "Valley",
    "Mountain", "Pantside", "Cwrt", "Belle Vue", "Clarence", "Stow", "Malpas", "Bettws",
    "Ringland", "Pillgwenlly", "Maindee", "Alway", "Gaer", "Llanyravon", "Fairwater", "Oakfield",
    "Coed Eva", "Thornhill", "Hollybush", "Penygarn", "Trevethin", "Garndiffaith", "Blaenavon",
    "Cwm", "Hafod", "Tir y Berth", "Gelli", "Ty Coch", "Nantyglo", "Brynmawr", "Rassau",
    "Beaufort", "Hilltop", "Tredomen", "Penmaen", "Cefn", "Pontllanfraith", "Crumlin",
)
STREET_TYPES = (
    ("Street", "St"),
    ("Road", "Rd"),
    ("Avenue", "Ave"),
    ("Close", "Cl"),
    ("Terrace", "Terr"),
    ("Lane", "Ln"),
    ("Crescent", "Cres"),
    ("Drive", "Dr"),
    ("Way", "Way"),
    ("Place", "Pl"),
    ("Court", "Ct"),
    ("Gardens", "Gdns"),
)
HUB_STREET_STEMS = (
    "Granby", "Lodge", "Everton", "Walton", "Scotland", "Kensington", "Smithdown", "Bootle",
    "Lozells", "Soho", "Ladypool", "Stratford", "Aston", "Handsworth", "Sparkbrook", "Coventry",
    "Mare", "Well", "Lea", "Bow", "Roman", "Brixton", "Coldharbour", "Peckham", "Rye", "Tower",
    "Seven Sisters", "Tottenham", "Edmonton", "Hackney", "Splott", "Ely", "Grangetown",
    "Butetown", "Clifton", "Broadway", "Queen", "King", "High", "Canal", "Dale",
)

# town name as some partners write it (Welsh forms, accents)
TOWN_VARIANTS: dict[str, tuple[str, ...]] = {
    "Newport": ("Casnewydd",),
    "Cwmbran": ("Cwmbrân",),
    "Abergavenny": ("Y Fenni",),
    "Pontypool": ("Pont-y-pŵl",),
    "Ebbw Vale": ("Glynebwy",),
    "Blackwood": ("Coed-duon",),
}

CARE_HOMES = ("Ty Gwyn Children's Home", "Bryn Awel Residential Unit", "Maes Glas Foster Placement")

# given name -> short forms people use that NICKNAMES (above) lacks: the ``short_form`` noise (issue 13; Tash for
# Natasha is the kind). Most are part of the name (Rhian in Rhiannon); some are not (Sue for Susan, Jay for James).
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "Susan": ("Sue", "Susie"), "Margaret": ("Mags",), "Catherine": ("Cathie",), "Rhiannon": ("Rhian",),
    "Tracey": ("Trace",), "Michelle": ("Shell", "Chelle"), "Joanne": ("Jo",), "Rebecca": ("Bex",),
    "Katherine": ("Kat",), "Deborah": ("Debs",), "Patricia": ("Tricia",), "Christine": ("Tina",),
    "Nicola": ("Nic", "Nikki"), "Amanda": ("Manda",), "Victoria": ("Vic",), "Alison": ("Ali",),
    "Samantha": ("Sammie",), "Judith": ("Jude",), "Gareth": ("Gaz",), "William": ("Wil",), "Robert": ("Robbie",),
    "Michael": ("Mikey",), "Christopher": ("Kit",), "Rhodri": ("Rhod",), "Jonathan": ("Jonno",),
    "Daniel": ("Dani",), "Matthew": ("Matty",), "James": ("Jay", "Jem"), "Peter": ("Pete",), "Philip": ("Phil", "Pip"),
    "Kevin": ("Kev",), "Darren": ("Daz",), "Alan": ("Al",), "Edward": ("Ned",), "Benjamin": ("Benji",),
    "Joseph": ("Joey",), "Tomasz": ("Tomek",), "Olivia": ("Liv", "Livvy"), "Amelia": ("Millie", "Mel"),
    "Evie": ("Eve",), "Jessica": ("Jessie",), "Sophie": ("Soph",), "Tegan": ("Teg",), "Caitlin": ("Caity",),
    "Abigail": ("Gail",), "Amara": ("Mara",), "Dylan": ("Dyl",), "Harri": ("Haz",), "Oliver": ("Olly",),
    "Tyler": ("Ty",), "Lewis": ("Lew",), "Jayden": ("Jay",), "Connor": ("Con",), "Kieran": ("Kie",),
    "Archie": ("Arch",), "Nathan": ("Nath",), "Joshua": ("Joshy",), "Elizabeth": ("Eliza",),
}

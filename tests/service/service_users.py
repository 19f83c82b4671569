"""The service tests' users: one of each kind, all with one made-up passphrase."""

PASSWORD = "correct horse battery staple"
USERS = {  # user -> (agency, service role)
    "ana": ("gwent-police", "police_analyst"),
    "sam": ("valleys-schools-trust", "practitioner"),
    "aud": ("gwent-police", "auditor"),
    "adm": ("gwent-police", "admin"),
}

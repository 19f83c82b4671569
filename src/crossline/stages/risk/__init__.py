"""Exploitation risk: indicators, points, bands, groups and places, alerts (issue 6).

``indicators`` turns partners' records into evidence rows (one per record that
supports an indicator); ``score`` weighs them into a 0-100 score with reasons in
plain words; ``bands`` names the score; ``groups`` finds peer groups and places
where risk concentrates; ``alerts`` raises safeguarding alerts for the agencies
that can act; ``fairness`` compares error rates across groups; ``stage``
registers the ``risk`` build stage. docs/risk.md says how it fits together.
"""

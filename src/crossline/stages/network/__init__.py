"""The ``network`` build stage: the POLE graph behind the lines, organised crime groups, roles, key players, cross-border flows, priorities."""

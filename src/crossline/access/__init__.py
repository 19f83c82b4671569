"""Users, agencies, roles, need-to-know policy, and the audit log."""

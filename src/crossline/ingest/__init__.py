"""Bundle -> validated, normalised rows -> store; quarantine; import log."""

"""The core's next steps (``CrosslineError.next_step``), worded as commands for a command-line user."""

from __future__ import annotations

from crossline.errors import NEXT_STEPS

HINTS: dict[str, str] = {
    "init_workspace": "create one with `crossline init --workspace DIR`, or point --workspace (or $CROSSLINE_WORKSPACE) at one",
    "build": "run `crossline build` first",
    "list_sources": "`crossline status` lists the sources",
    "list_lines": "`crossline lines` lists them",
    "list_groups": "`crossline network` lists the groups",
    "list_priorities": "`crossline priorities` lists the lines and groups by rank",
    "show_line": "`crossline line LINE_ID` lists its numbers",
    "list_applications": "`crossline ddtro-case list` shows them",
    "list_alerts": "`crossline alerts` lists them",
    "list_risk": "`crossline risk list` shows who is scored",
    "list_referrals": "`crossline refer list` shows the referrals",
    "list_nrm": "`crossline nrm show NOMINAL` lists a young person's",
    "list_review": "`crossline review` lists the queue",
    "list_agencies": "`crossline status` lists the agencies",
    "list_stages": "`crossline build --help` names the stages",
    "settings_docs": "every setting is described in docs/settings.md",
    "list_users": "`crossline user list` shows them",
    "list_jobs": "`crossline jobs` lists them",
    "restore_audit_key": "restore the audit key file from its backup, or set $CROSSLINE_AUDIT_KEY_FILE to where it is kept (docs/audit.md)",
    "import_as_agency": "add `--as-agency AGENCY_ID` (or set agency in the [imports] table of crossline.toml)",
    "allow_sender": "an administrator runs `crossline agency allow-sender SENDER --for AGENCY`",
}
assert set(HINTS) == NEXT_STEPS, "every next step the core can name has words here"


def hint(next_step: str | None) -> str:
    return HINTS.get(next_step or "", "")

"""``crossline serve``, ``crossline worker``, and the service's users and API tokens (``crossline user``, ``crossline token``).

The command line stays the local administrator of its own workspace: it adds
the users who log in to the service, and issues the tokens systems use.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crossline.access.roles import SERVICE_ROLES
from crossline.cli.common import DEFAULT, WorkspaceOpt, call, console, local
from crossline.cli.output import Col, FormatOpt, check_format, emit
from crossline.errors import InvalidInput

app = typer.Typer()
users_app = typer.Typer(help="Users of the multi-agency service: add, disable, enable, list, reset a password.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for systems: issue (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(users_app, name="user")
app.add_typer(tokens_app, name="token")

ROLE_HELP = "Role: " + ", ".join(SERVICE_ROLES) + "."


def _password(password_env: str | None) -> str:
    """A new password: from the named environment variable (for scripts), else asked for twice without echo."""
    if password_env:
        given = os.environ.get(password_env)
        if not given:
            raise InvalidInput(f"the environment variable {password_env} is empty or unset")
        return given
    return str(typer.prompt("New password (12 characters or more)", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def user_add(
    user_id: Annotated[str, typer.Argument(help="Login name.")],
    agency: Annotated[str, typer.Option(help="The user's agency (a tenant).")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password_env: Annotated[str | None, typer.Option(help="Read the password from this environment variable instead of asking.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Add a user who logs in to the service; the role must suit the agency's type (a school cannot hold a police role)."""
    from crossline.service.users import add_user

    account = call(workspace, add_user, user_id=user_id, display_name=name or user_id, agency=agency, role=role, password=_password(password_env))
    console.print(f"User [bold]{escape(account.user_id)}[/] added: {escape(account.role)} at {escape(account.agency)}.")


@users_app.command("list")
def user_list(format_: FormatOpt = "table", workspace: WorkspaceOpt = DEFAULT) -> None:
    """The service's users with their agency, role and state."""
    from crossline.service.users import list_users

    check_format(format_)
    rows = [{"user_id": a.user_id, "display_name": a.display_name, "agency": a.agency, "role": a.role,
             "state": "disabled" if a.disabled else (f"locked until {a.locked_until}" if a.locked_until else "active")}
            for a in call(workspace, list_users)]
    emit(rows, [Col("user_id", "user", whole=True), Col("display_name", "name", keep=5), Col("agency", "agency", whole=True),
                Col("role", "role", keep=8), Col("state", "state", keep=7)], format_, title=f"{len(rows)} user(s)")


@users_app.command("disable")
def user_disable(user_id: str, workspace: WorkspaceOpt = DEFAULT) -> None:
    """Stop a user logging in; their open sessions end at once."""
    from crossline.service.users import set_disabled

    call(workspace, set_disabled, user_id, True)
    console.print(f"User {escape(user_id)} disabled; their sessions are closed.")


@users_app.command("enable")
def user_enable(user_id: str, workspace: WorkspaceOpt = DEFAULT) -> None:
    """Let a disabled user log in again."""
    from crossline.service.users import set_disabled

    call(workspace, set_disabled, user_id, False)
    console.print(f"User {escape(user_id)} enabled.")


@users_app.command("reset-password")
def user_reset(
    user_id: str,
    password_env: Annotated[str | None, typer.Option(help="Read the password from this environment variable instead of asking.")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Set a new password (and lift a lock-out); the user's sessions end."""
    from crossline.service.users import reset_password

    call(workspace, reset_password, user_id, _password(password_env))
    console.print(f"Password of {escape(user_id)} reset; their sessions are closed.")


@tokens_app.command("issue")
def token_issue(
    name: Annotated[str, typer.Argument(help="What the token is for (e.g. the council's case system).")],
    agency: Annotated[str, typer.Option(help="The agency the token acts for.")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)],
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Issue an API token: printed once, stored only as a hash."""
    from crossline.service.users import issue_token

    secret, info = call(workspace, issue_token, name=name, agency=agency, role=role)
    console.print(f"Token {info.token_id} for {escape(info.agency)} ({info.role}). Copy it now; it is not shown again:")
    console.print(secret, markup=False, highlight=False)


@tokens_app.command("list")
def token_list(format_: FormatOpt = "table", workspace: WorkspaceOpt = DEFAULT) -> None:
    """API tokens (never their secrets)."""
    from crossline.service.users import list_tokens

    check_format(format_)
    rows = [{"token_id": t.token_id, "name": t.name, "agency": t.agency, "role": t.role, "issued": t.created_at, "revoked": t.revoked_at or ""}
            for t in call(workspace, list_tokens)]
    emit(rows, [Col("token_id", "token", whole=True), Col("name", "name", keep=5), Col("agency", "agency", keep=6),
                Col("role", "role", keep=7), Col("issued", "issued", keep=4), Col("revoked", "revoked", keep=3)], format_, title="API tokens")


@tokens_app.command("revoke")
def token_revoke(token_id: str, workspace: WorkspaceOpt = DEFAULT) -> None:
    """Revoke an API token at once."""
    from crossline.service.users import revoke_token

    call(workspace, revoke_token, token_id)
    console.print(f"Token {token_id} revoked.")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [default: service.host].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: service.port].")] = None,
    workers: Annotated[int | None, typer.Option(help="uvicorn worker processes [default: service.workers].")] = None,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Do not run the job worker here (a separate `crossline worker` runs).")] = False,
    certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM), to serve HTTPS directly.")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Run the multi-agency service (FastAPI under uvicorn) over the workspace, with its job worker unless told otherwise."""
    import uvicorn

    from crossline.jobs.worker import run_forever

    with local(workspace) as (ws, _actor):
        svc = ws.settings.service
        host, port, workers = host or svc.host, port or svc.port, workers or svc.workers
        stop = threading.Event()
        if svc.run_worker and not no_worker:
            threading.Thread(target=run_forever, args=(ws,), kwargs={"stop": stop.is_set}, daemon=True, name="crossline-worker").start()
        console.print(f"Crossline serving {escape(str(workspace))} on {'https' if certfile else 'http'}://{host}:{port}/ (API under /api/v1)")
        os.environ["CROSSLINE_SERVE_WORKSPACE"] = str(Path(workspace).resolve())
        try:
            # access_log off: uvicorn's access log holds client addresses, which the anonymous reporting promise forbids
            uvicorn.run("crossline.api.asgi:app", host=host, port=port, workers=workers, access_log=False,
                        ssl_certfile=str(certfile) if certfile else None, ssl_keyfile=str(keyfile) if keyfile else None,
                        server_header=False, proxy_headers=False)
        finally:
            stop.set()


@app.command("worker")
def worker(workspace: WorkspaceOpt = DEFAULT, once: Annotated[bool, typer.Option(help="Run the queued jobs, then stop.")] = False) -> None:
    """Run queued imports and builds (started over the API) until stopped; a restarted worker picks up what a dead one left."""
    from crossline.jobs.worker import recover, run_forever, run_one

    with local(workspace) as (ws, _actor):
        if once:
            back = recover(ws)
            done = 0
            while (job := run_one(ws)) is not None:
                done += 1
                console.print(f"Job {job.job_id} ({job.kind}): {job.status}" + (f": {escape(job.error)}" if job.error else ""))
            console.print(f"{done} job(s) run" + (f", {back} put back from a stopped worker" if back else "") + ".")
            return
        console.print("Worker running; Ctrl-C stops it (a job it was running is picked up again by the next worker).")
        run_forever(ws)


@app.command("jobs")
def jobs(
    status: Annotated[str | None, typer.Option(help="Only jobs in this state: queued, running, done or failed.")] = None,
    format_: FormatOpt = "table",
    workspace: WorkspaceOpt = DEFAULT,
) -> None:
    """Imports and builds asked for over the API, newest first, with their state and progress."""
    from crossline.jobs import queue

    if status is not None and status not in ("queued", "running", "done", "failed"):
        raise InvalidInput(f"a job's state is queued, running, done or failed, not {status!r}")
    with local(workspace) as (ws, _actor), ws.engine.connect() as conn:
        rows = queue.listed(conn, status)
    check_format(format_)
    shown = [{"job_id": j.job_id, "kind": j.kind, "status": j.status, "asked_by": j.requested_by.get("user", ""), "asked_at": j.created_at,
              "told": j.error or (", ".join(f"{k} {v}" for k, v in (j.result or {}).items() if not isinstance(v, dict | list))
                                  if j.result else j.progress or "")} for j in rows]
    emit(shown, [Col("job_id", "job", whole=True), Col("kind", "kind", keep=7), Col("status", "state", keep=8),
                 Col("asked_by", "asked by", keep=5), Col("asked_at", "asked at", keep=4), Col("told", "progress or result", keep=6)],
         format_, title=f"{len(rows)} job(s)")

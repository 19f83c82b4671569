"""The ``[service]`` section of crossline.toml: the multi-agency web service and its worker."""

from __future__ import annotations

from crossline.settings.declare import Section, setting


class ServiceSettings(Section):
    host: str = setting("127.0.0.1", "Address the service listens on. Keep 127.0.0.1 behind a reverse proxy that terminates TLS (docs/deploy.md).")
    port: int = setting(8400, "Port the service listens on.")
    workers: int = setting(1, "uvicorn worker processes.")
    run_worker: bool = setting(True, "The service also runs the job worker (imports and builds); false when a separate worker process runs.")
    secure_cookies: bool = setting(True, "Session cookies only over HTTPS (Secure flag) and HSTS sent. Turn off only for a test on 127.0.0.1 without TLS.")
    session_idle_minutes: int = setting(30, "A login session ends after this many minutes without a request.")
    session_hours: int = setting(10, "A login session ends this many hours after login, used or not.")
    upload_max_mb: int = setting(2048, "Largest bundle upload accepted over the API, in megabytes.")
    report_max_chars: int = setting(4000, "Longest anonymous concern accepted, in characters.")
    reports_per_hour: int = setting(30, "Anonymous reports accepted per hour across the whole service (no per-sender limit: nothing identifies a sender).")

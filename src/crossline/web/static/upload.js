// Uploads and builds go to the jobs API (with the session's CSRF token); the page polls the job until it ends.
document.addEventListener("DOMContentLoaded", () => {
  const csrf = (document.getElementById("csrf") || {}).value || "";
  const status = document.getElementById("job-status");
  const box = document.getElementById("progress-box");
  const bar = document.getElementById("job-progress");
  async function follow(answer) {
    const job = await answer.json();
    if (!answer.ok) { status.textContent = job.detail || "The job could not start."; return; }
    box.hidden = false;
    const url = answer.headers.get("Location") || `/api/v1/jobs/${job.job_id}`;
    for (;;) {
      const now = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
      bar.removeAttribute("value");  // the worker reports steps in words, not a fraction: an indeterminate bar
      status.textContent = `${now.kind || "job"} ${now.status}${now.progress ? ": " + now.progress : ""}${now.error ? ": " + now.error : ""}`;
      if (["done", "failed"].includes(now.status)) { bar.value = 100; return; }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const up = document.getElementById("upload-form");
  if (up) up.addEventListener("submit", async (evt) => {
    evt.preventDefault();
    status.textContent = "Uploading...";
    const body = new FormData(up);
    follow(await fetch("/api/v1/imports", { method: "POST", body, headers: { "X-CSRF-Token": csrf } }));
  });
  const build = document.getElementById("build-form");
  if (build) build.addEventListener("submit", async (evt) => {
    evt.preventDefault();
    status.textContent = "Starting the build...";
    follow(await fetch("/api/v1/builds", { method: "POST", body: "{}", headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" } }));
  });
});

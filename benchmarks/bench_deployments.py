"""Deployments and the email outbox, against the whole local stack (``cheatcode up`` as processes).

* deploy pipeline: a workspace of ``--files`` files (10 % binary) in a real sandbox, deployed to the
  local Vercel double (no debounce, no build time): file collection through the sandbox service's
  commands (``DeploymentStarted`` → ``DeploymentFilesCollected``), upload (project + deployment calls
  with every file inline, → ``DeploymentCreated``), and total (request → ``DeploymentSucceeded``),
  read from the events' timestamps (``cheatcode events --aggregate deployment:<project>``);
* email outbox: ``--emails`` welcome emails queued over HTTP, time until the local SMTP server
  (aiosmtpd) holds them all: emails per second end to end.

Prints figures; no assertions.

    .venv/bin/python benchmarks/bench_deployments.py [--files 200] [--runs 3] [--emails 200]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.mail_sink import start as start_mail_sink
from cheatcode_infra.vercel_double.app import VercelDouble, create_app
from tests.support.http_thread import serve_in_thread
from tests.support.stack import Stack


def workspace(files: int) -> dict[str, bytes]:
    content: dict[str, bytes] = {"package.json": b'{"name":"bench"}'}
    for index in range(files - 1):
        if index % 10 == 0:
            content[f"public/img{index}.png"] = b"\x89PNG" + os.urandom(4000)
        else:
            content[f"src/components/c{index}.tsx"] = (
                f"export const C{index} = () => <div>{index}</div>;\n" * 40
            ).encode()
    return content


def events(stack: Stack, project_id: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "cheatcode_infra", "events", "--home", str(stack.home),
         "--aggregate", f"deployment:{project_id}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event.get("time") or event["body"]["occurred_at"])


def deploy_once(client: httpx.Client, stack: Stack, files: dict[str, bytes], name: str) -> dict[str, float]:
    project_id = client.post("/api/projects", json={"name": name}).json()["id"]
    sandbox_id = client.post(f"/api/project/{project_id}/sandbox/ensure-active").json()["sandbox_id"]
    for path, data in files.items():
        client.post(f"/api/sandboxes/{sandbox_id}/files", data={"path": path}, files={"file": ("f", data)})
    started = time.perf_counter()
    client.post(f"/api/project/{project_id}/deploy/git", json={}).raise_for_status()
    while client.get(f"/api/project/{project_id}/deployment/live-status").json()["state"] not in ("deployed", "failed"):
        time.sleep(0.01)
    wall = time.perf_counter() - started
    by_type = {e["type"]: e for e in events(stack, project_id)}

    def span(first: str, last: str) -> float:
        return (at(by_type[last]) - at(by_type[first])).total_seconds()

    return {
        "collect": span("deployment.started", "deployment.files_collected"),
        "upload": span("deployment.files_collected", "deployment.created"),
        "total": span("deployment.requested", "deployment.succeeded"),
        "http": wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--emails", type=int, default=200)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    mail_dir, smtp_port = home / "smtp", free_port()
    sink = start_mail_sink(mail_dir, "127.0.0.1", smtp_port)
    double = VercelDouble(token="bench", build_seconds=0.0)
    with serve_in_thread(create_app(double)) as vercel_url:
        env = {
            "VERCEL_API_URL": vercel_url, "VERCEL_BEARER_TOKEN": "bench", "CHEATCODE_DEPLOY_DEBOUNCE_SECONDS": "0",
            "CHEATCODE_DEPLOY_POLL_SECONDS": "0.05", "CHEATCODE_SMTP_HOST": "127.0.0.1",
            "CHEATCODE_SMTP_PORT": str(smtp_port), "CHEATCODE_SMTP_STARTTLS": "false",
            "CHEATCODE_RATE_LIMITS_ENABLED": "false",
        }  # fmt: skip
        if shutil.which("bwrap") is None or os.geteuid() != 0:
            env["CHEATCODE_SANDBOX_ALLOW_UNSAFE"] = "1"
        stack = Stack(home / "home", env=env)
        stack.start(timeout=120)
        try:
            files = workspace(args.files)
            results = []
            for run in range(args.runs):
                user = f"bench_deploy_{run}"
                with httpx.Client(base_url=stack.base_url, timeout=120,
                                  headers={"Authorization": f"Bearer {stack.token(user)}"}) as client:  # fmt: skip
                    results.append(deploy_once(client, stack, files, f"Bench {run}"))
            for key in ("collect", "upload", "total", "http"):
                values = sorted(r[key] * 1000 for r in results)
                print(f"deploy {args.files} files  {key:<8} median {values[len(values) // 2]:8.1f} ms  "
                      f"(min {values[0]:.1f}, max {values[-1]:.1f}; {args.runs} runs)")  # fmt: skip

            admin = {"X-Admin-Api-Key": stack.admin_api_key}
            started = time.perf_counter()
            with httpx.Client(base_url=stack.base_url, timeout=30, headers=admin) as client:
                for index in range(args.emails):
                    client.post(
                        "/api/send-welcome-email", json={"email": f"u{index}@bench.example.com"}
                    ).raise_for_status()
            queued = time.perf_counter() - started
            while len(list(mail_dir.glob("*.eml"))) < args.emails:
                if time.perf_counter() - started > 300:
                    break
                time.sleep(0.01)
            total = time.perf_counter() - started
            arrived = len(list(mail_dir.glob("*.eml")))
            print(f"email outbox  {arrived}/{args.emails} delivered in {total:.2f} s: {arrived / total:.1f} emails/s "
                  f"end to end (queueing over HTTP took {queued:.2f} s)")  # fmt: skip
        finally:
            stack.stop()
            sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

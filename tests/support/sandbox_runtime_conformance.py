"""Conformance suites for the SandboxRuntime port; each driver's test module subclasses them.

* :class:`SandboxRuntimeContract`: what every runtime does (commands, sessions, files, path
  checks), the unconfined development runtime included. Needs a ``runtime`` fixture (a fresh
  runtime with a small disk cap, see ``DISK_CAP``) and ``session_port`` (a port a session may
  listen on inside the sandbox: the unconfined runtime shares the host's network).
* :class:`SandboxConfinement`: what only a confining runtime (bubblewrap) guarantees: no root,
  no writes outside the workspace, resource caps, no host network, no other sandbox. Needs
  ``host_port`` too (a TCP port listening on the host's loopback). Every escape attempt is
  followed by a check that the same sandbox still answers.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import pytest

from cheatcode_sandbox.ports.runtime import (
    Limits,
    PathExistsError,
    PathNotFoundError,
    PathRejectedError,
    SandboxNotRunningError,
    SandboxRuntime,
    SandboxSpec,
)

DISK_CAP = 64 * 1024**2
LIMITS = Limits(cpu_seconds=30, processes=64, file_bytes=16 * 1024**2)
APP = "/workspace/cheatcode-app"


async def started(runtime: SandboxRuntime) -> str:
    sandbox_id = str(uuid.uuid4())
    await runtime.start(SandboxSpec(sandbox_id=sandbox_id))
    return sandbox_id


async def still_answers(runtime: SandboxRuntime, sandbox_id: str) -> None:
    outcome = await runtime.run(sandbox_id, "echo alive", cwd=APP, time_limit=10, limits=LIMITS)
    assert outcome.output == "alive\n"
    assert outcome.exit_code == 0


class SandboxRuntimeContract:
    async def test_commands_run_in_the_app_directory(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        await runtime.write_file(sandbox_id, "marker.txt", b"here", append=False)
        outcome = await runtime.run(sandbox_id, "echo hi; cat marker.txt", cwd=APP, time_limit=10, limits=LIMITS)
        assert (outcome.output, outcome.exit_code, outcome.timed_out) == ("hi\nhere", 0, False)

    async def test_the_apps_node_modules_bin_is_on_the_path(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        outcome = await runtime.run(sandbox_id, "echo $PATH", cwd=APP, time_limit=10, limits=LIMITS)
        assert outcome.output.startswith(f"{APP}/node_modules/.bin:")

    async def test_exit_codes_come_back(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        outcome = await runtime.run(sandbox_id, "exit 7", cwd=APP, time_limit=10, limits=LIMITS)
        assert outcome.exit_code == 7

    async def test_endless_loop_is_killed_at_the_timeout(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        began = time.monotonic()
        outcome = await runtime.run(sandbox_id, "while :; do :; done", cwd=APP, time_limit=2, limits=LIMITS)
        assert outcome.timed_out
        assert outcome.exit_code != 0
        assert time.monotonic() - began < 8
        await still_answers(runtime, sandbox_id)

    async def test_output_is_capped(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        small = Limits(cpu_seconds=30, processes=64, output_bytes=1000)
        outcome = await runtime.run(sandbox_id, "yes | head -c 100000", cwd=APP, time_limit=10, limits=small)
        assert outcome.truncated
        assert len(outcome.output) == 1000

    async def test_files_round_trip_and_are_visible_to_commands(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        payload = bytes(range(256)) * 10
        assert await runtime.write_file(sandbox_id, "src/data.bin", payload[:1000], append=False) == 1000
        assert await runtime.write_file(sandbox_id, f"{APP}/src/data.bin", payload[1000:], append=True) == len(payload)
        data, size = await runtime.read_file(sandbox_id, "src/data.bin", 0, 10_000)
        assert (data, size) == (payload, len(payload))
        outcome = await runtime.run(
            sandbox_id, "sha256sum src/data.bin; touch src/new", cwd=APP, time_limit=10, limits=LIMITS
        )
        assert outcome.exit_code == 0
        names = [entry.name for entry in await runtime.list_dir(sandbox_id, f"{APP}/src")]
        assert names == ["data.bin", "new"]
        await runtime.delete_path(sandbox_id, "src")
        with pytest.raises(PathNotFoundError):
            await runtime.read_file(sandbox_id, "src/data.bin", 0, 10)

    async def test_write_modes_and_permissions(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        await runtime.write_file(sandbox_id, "new.sh", b"echo run", append=False, mode="create", permissions=0o755)
        with pytest.raises(PathExistsError):
            await runtime.write_file(sandbox_id, "new.sh", b"again", append=False, mode="create")
        with pytest.raises(PathNotFoundError):
            await runtime.write_file(sandbox_id, "missing.txt", b"x", append=False, mode="rewrite")
        assert await runtime.write_file(sandbox_id, "new.sh", b"echo ran", append=False, mode="rewrite") == 8
        outcome = await runtime.run(sandbox_id, "./new.sh", cwd=APP, time_limit=10, limits=LIMITS)
        assert outcome.output == "ran\n"

    async def test_a_planted_fifo_does_not_hang_file_operations(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        await runtime.run(sandbox_id, "mkfifo trap", cwd=APP, time_limit=10, limits=LIMITS)
        for operation in (
            runtime.write_file(sandbox_id, "trap", b"x", append=False),
            runtime.read_file(sandbox_id, "trap", 0, 10),
        ):
            with pytest.raises((PathRejectedError, PathNotFoundError)):
                await asyncio.wait_for(operation, 5)

    @pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "/workspace/../etc/passwd", "a/../../x"])
    async def test_paths_outside_the_workspace_are_rejected(self, runtime: SandboxRuntime, path: str) -> None:
        sandbox_id = await started(runtime)
        with pytest.raises(PathRejectedError):
            await runtime.read_file(sandbox_id, path, 0, 100)
        with pytest.raises(PathRejectedError):
            await runtime.write_file(sandbox_id, path, b"x", append=False)

    async def test_symlinks_escaping_the_workspace_are_rejected(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        script = "ln -s /etc/passwd pw; ln -s / rootdir; ln -s .. up; ln -s . here; echo inside > in.txt"
        await runtime.run(sandbox_id, script, cwd=APP, time_limit=10, limits=LIMITS)
        for path in ("pw", "rootdir/etc/passwd", "up/../../etc/passwd", "up/up/x"):
            with pytest.raises((PathRejectedError, PathNotFoundError)):
                await runtime.read_file(sandbox_id, path, 0, 100)
        with pytest.raises((PathRejectedError, PathNotFoundError)):
            await runtime.write_file(sandbox_id, "rootdir/tmp/planted", b"x", append=False)
        with pytest.raises((PathRejectedError, PathNotFoundError)):
            await runtime.list_dir(sandbox_id, "rootdir")
        # A symlink that stays inside is followed.
        assert (await runtime.read_file(sandbox_id, "here/in.txt", 0, 100))[0] == b"inside\n"

    async def test_session_command_serves_a_port_reachable_through_open_port(
        self, runtime: SandboxRuntime, session_port: int
    ) -> None:
        sandbox_id = await started(runtime)
        await runtime.write_file(sandbox_id, "index.html", b"<h1>preview</h1>", append=False)
        process = await runtime.spawn(
            sandbox_id, f"exec python3 -m http.server {session_port} --bind 127.0.0.1", cwd=APP, limits=LIMITS
        )
        try:
            body = await _fetch_when_up(runtime, sandbox_id, session_port)
            assert b"<h1>preview</h1>" in body
            assert process.returncode is None
            curl = await runtime.run(
                sandbox_id, f"curl -s localhost:{session_port}/index.html", cwd=APP, time_limit=10, limits=LIMITS
            )
            assert curl.output == "<h1>preview</h1>"
        finally:
            await process.kill()
        assert process.returncode is not None

    async def test_stopped_sandbox_refuses_commands_but_keeps_files(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        await runtime.write_file(sandbox_id, "keep.txt", b"kept", append=False)
        await runtime.stop(sandbox_id)
        assert not runtime.is_running(sandbox_id)
        with pytest.raises(SandboxNotRunningError):
            await runtime.run(sandbox_id, "true", cwd=APP, time_limit=5, limits=LIMITS)
        assert (await runtime.read_file(sandbox_id, "keep.txt", 0, 10))[0] == b"kept"
        await runtime.start(SandboxSpec(sandbox_id=sandbox_id))
        outcome = await runtime.run(sandbox_id, "cat keep.txt", cwd=APP, time_limit=10, limits=LIMITS)
        assert outcome.output == "kept"

    async def test_a_file_is_moved_into_place_replacing_a_file_but_never_a_directory(
        self, runtime: SandboxRuntime
    ) -> None:
        sandbox_id = await started(runtime)
        await runtime.write_file(sandbox_id, "up/.part", b"complete", append=False)
        await runtime.write_file(sandbox_id, "up/target.txt", b"old", append=False)
        assert await runtime.move_file(sandbox_id, "up/.part", f"{APP}/up/target.txt") == 8
        assert (await runtime.read_file(sandbox_id, "up/target.txt", 0, 100))[0] == b"complete"
        assert [entry.name for entry in await runtime.list_dir(sandbox_id, "up")] == ["target.txt"]
        assert await runtime.move_file(sandbox_id, "up/target.txt", "elsewhere/new.txt") == 8  # parents made
        await runtime.run(sandbox_id, "mkdir -p adir && ln -s /etc/passwd pw", cwd=APP, time_limit=10, limits=LIMITS)
        with pytest.raises(PathRejectedError):
            await runtime.move_file(sandbox_id, "elsewhere/new.txt", "adir")
        with pytest.raises(PathRejectedError):  # a symlink is not a regular file: never moved, never followed
            await runtime.move_file(sandbox_id, "pw", "stolen.txt")
        with pytest.raises(PathNotFoundError):
            await runtime.move_file(sandbox_id, "missing.txt", "x.txt")
        with pytest.raises(PathRejectedError):
            await runtime.move_file(sandbox_id, "elsewhere/new.txt", "../../etc/cc-moved")
        with pytest.raises(PathRejectedError):  # a symlink leading out is refused, as by write_file
            await runtime.move_file(sandbox_id, "elsewhere/new.txt", "pw")
        assert (await runtime.read_file(sandbox_id, "elsewhere/new.txt", 0, 100))[0] == b"complete"
        await runtime.run(sandbox_id, "ln -s elsewhere/new.txt inside-link", cwd=APP, time_limit=10, limits=LIMITS)
        await runtime.write_file(sandbox_id, ".next", b"via link", append=False)
        assert await runtime.move_file(sandbox_id, ".next", "inside-link") == 8  # followed: it stays inside
        assert (await runtime.read_file(sandbox_id, "elsewhere/new.txt", 0, 100))[0] == b"via link"


class SandboxConfinement:
    async def test_the_app_directory_is_at_its_sandbox_path(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        outcome = await runtime.run(sandbox_id, "pwd", cwd=APP, time_limit=10, limits=LIMITS)
        assert outcome.output == f"{APP}\n"

    async def test_commands_are_not_root_and_cannot_read_shadow(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        outcome = await runtime.run(sandbox_id, "id -u; cat /etc/shadow", cwd=APP, time_limit=10, limits=LIMITS)
        assert outcome.output.splitlines()[0] != "0"
        assert outcome.exit_code != 0
        assert "root:" not in outcome.output
        await still_answers(runtime, sandbox_id)

    async def test_writing_outside_the_workspace_fails(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        marker = f"cc-escape-{uuid.uuid4().hex}"
        script = f"for d in /usr /etc / /var /root; do echo x > $d/{marker} && echo WROTE $d; done; echo x > /tmp/ok"
        outcome = await runtime.run(sandbox_id, script, cwd=APP, time_limit=10, limits=LIMITS)
        assert "WROTE" not in outcome.output
        assert _planted(marker) == []
        await still_answers(runtime, sandbox_id)

    async def test_fork_bomb_is_contained(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        began = time.monotonic()
        outcome = await runtime.run(sandbox_id, "b(){ b|b& }; b; sleep 60", cwd=APP, time_limit=5, limits=LIMITS)
        assert outcome.exit_code != 0
        assert time.monotonic() - began < 15
        await still_answers(runtime, sandbox_id)

    async def test_background_children_die_with_the_command(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        await runtime.run(sandbox_id, "(sleep 300 &) ; echo started", cwd=APP, time_limit=10, limits=LIMITS)
        ps = await runtime.run(
            sandbox_id, "ps -e -o comm= 2>/dev/null || ls /proc", cwd=APP, time_limit=10, limits=LIMITS
        )
        assert "sleep" not in ps.output

    async def test_filling_the_disk_is_stopped(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        script = "i=0; while :; do i=$((i+1)); head -c 4000000 /dev/zero > fill$i || true; done"
        outcome = await runtime.run(sandbox_id, script, cwd=APP, time_limit=60, limits=LIMITS)
        assert not outcome.timed_out, "the watchdog, not the timeout, must stop it"
        assert outcome.exit_code != 0
        with pytest.raises(Exception, match="cap"):
            await runtime.write_file(sandbox_id, "more.bin", b"x" * 1024, append=False)
        await runtime.delete_path(sandbox_id, APP)
        await still_answers_after_cleanup(runtime, sandbox_id)

    async def test_single_file_size_is_capped(self, runtime: SandboxRuntime) -> None:
        sandbox_id = await started(runtime)
        outcome = await runtime.run(
            sandbox_id, "head -c 20000000 /dev/zero > big; stat -c %s big", cwd=APP, time_limit=20, limits=LIMITS
        )
        assert int(outcome.output.strip().splitlines()[-1]) <= LIMITS.file_bytes

    async def test_no_tcp_to_the_host(self, runtime: SandboxRuntime, host_port: int) -> None:
        sandbox_id = await started(runtime)
        probe = (
            f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {host_port}), 2); print('CONNECTED')\""
        )
        outcome = await runtime.run(sandbox_id, probe, cwd=APP, time_limit=10, limits=LIMITS)
        assert "CONNECTED" not in outcome.output
        assert outcome.exit_code != 0
        await still_answers(runtime, sandbox_id)

    async def test_other_sandboxes_are_invisible(self, runtime: SandboxRuntime) -> None:
        first, second = await started(runtime), await started(runtime)
        await runtime.write_file(first, "secret.txt", b"first's secret", append=False)
        script = f"ls /workspace; cat /workspace/*/secret.txt; ls -R / 2>/dev/null | grep -c {first} || true"
        outcome = await runtime.run(second, script, cwd=APP, time_limit=20, limits=LIMITS)
        assert "first's secret" not in outcome.output
        assert outcome.output.strip().splitlines()[-1] == "0"


def _planted(marker: str) -> list[str]:
    candidates = [os.path.join(directory, marker) for directory in ("/usr", "/etc", "/", "/var", "/root", "/tmp")]
    return [path for path in candidates if os.path.exists(path)]


async def still_answers_after_cleanup(runtime: SandboxRuntime, sandbox_id: str) -> None:
    await runtime.run(sandbox_id, f"mkdir -p {APP}", cwd="/workspace", time_limit=10, limits=LIMITS)
    await still_answers(runtime, sandbox_id)


async def _fetch_when_up(runtime: SandboxRuntime, sandbox_id: str, port: int) -> bytes:
    deadline = time.monotonic() + 10
    while True:
        try:
            reader, writer = await runtime.open_port(sandbox_id, port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)  # polling a port that has no readiness event to wait on
            continue
        writer.write(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")
        await writer.drain()
        body = await reader.read()
        writer.close()
        return body

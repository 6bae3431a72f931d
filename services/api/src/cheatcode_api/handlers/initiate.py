"""``POST /agent/initiate``: project, sandbox, uploaded files, thread, user message and run in one call.

Everything the client sent is validated before the first command, so bad input leaves
nothing behind. Each step waits for its read model (read-your-writes), so the ids
returned are readable at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cheatcode_api.handlers import agent_runs
from cheatcode_api.handlers.deps import HandlerDeps
from cheatcode_api.handlers.errors import InvalidRequestError
from cheatcode_api.handlers.sandboxes import SandboxDeps
from cheatcode_contracts import new_id, sandbox as sb
from cheatcode_contracts.projects import CreateProject
from cheatcode_contracts.threads import AddMessage, CreateThread

MAX_FILE_BYTES = 10 * 1024**2
MAX_TOTAL_BYTES = 50 * 1024**2
MAX_FILES = 20
MAX_PROMPT_CHARS = 100_000


class InvalidInitiateError(InvalidRequestError):
    """The request is unusable as sent; nothing was created."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def check_request(prompt: str, uploads: list[Upload]) -> str:
    """The prompt to use; raises :class:`InvalidInitiateError` before anything is created."""
    text = prompt.strip()
    if not text:
        raise InvalidInitiateError("prompt must not be empty")
    if len(text) > MAX_PROMPT_CHARS:
        raise InvalidInitiateError(f"prompt is longer than {MAX_PROMPT_CHARS} characters")
    if len(uploads) > MAX_FILES:
        raise InvalidInitiateError(f"at most {MAX_FILES} files per request")
    for upload in uploads:
        if len(upload.data) > MAX_FILE_BYTES:
            raise InvalidInitiateError(f"{upload.filename}: larger than {MAX_FILE_BYTES} bytes")
    if sum(len(upload.data) for upload in uploads) > MAX_TOTAL_BYTES:
        raise InvalidInitiateError(f"the files add up to more than {MAX_TOTAL_BYTES} bytes")
    return text


def project_name(prompt: str) -> str:
    """The original's placeholder: the first 30 characters, then "..." (the whole prompt if short)."""
    return prompt if len(prompt) <= 30 else prompt[:30] + "..."


def upload_path(app_type: str, filename: str) -> str:
    """Flat in the app directory, ``/`` and ``\\`` replaced like the original did."""
    name = filename.replace("/", "_").replace("\\", "_").strip()
    if name in ("", ".", ".."):
        name = "upload"
    return f"{sb.app_dir(app_type)}/{name}"


async def initiate(
    deps: HandlerDeps,
    sandboxes: SandboxDeps,
    user_id: str,
    *,
    prompt: str,
    uploads: list[Upload],
    model_name: str | None,
    app_type: str,
    options: dict[str, Any],
) -> dict[str, str]:
    text = check_request(prompt, uploads)
    app = agent_runs.normalise_app_type(app_type) or "web"
    project_id = new_id()
    create = CreateProject(
        project_id=project_id, user_id=user_id, name=project_name(text), app_type=app, model_name=model_name or None
    )
    await deps.send_and_wait(create, "projects")
    reply = await sandboxes.commands.send(sb.EnsureSandbox(project_id=project_id, user_id=user_id, app_type=app))
    sandbox = sb.SandboxInfo.model_validate(reply.result)
    text += await _write_uploads(sandboxes, sandbox.sandbox_id, app, uploads)
    thread_id = new_id()
    await deps.send_and_wait(CreateThread(thread_id=thread_id, project_id=project_id, user_id=user_id), "threads")
    message_id = new_id()
    content = json.dumps({"role": "user", "content": text})
    await deps.send_and_wait(
        AddMessage(thread_id=thread_id, message_id=message_id, user_id=user_id, content=content), "messages"
    )
    run_id = await agent_runs.start_run(
        deps,
        user_id,
        thread_id,
        model_name=model_name,
        app_type=app,
        options=options,
        triggering_message_id=message_id,
    )
    return {"thread_id": thread_id, "agent_run_id": run_id, "project_id": project_id}


async def _write_uploads(sandboxes: SandboxDeps, sandbox_id: str, app: str, uploads: list[Upload]) -> str:
    """Write each file; the text the message gets for them (successes and failures)."""
    notes, failed = "", []
    for upload in uploads:
        path = upload_path(app, upload.filename)
        try:
            for start in range(0, max(len(upload.data), 1), sb.MAX_CHUNK_BYTES):
                piece = upload.data[start : start + sb.MAX_CHUNK_BYTES]
                command = sb.WriteFile(
                    sandbox_id=sandbox_id, path=path, content_b64=sb.b64encode(piece), append=start > 0
                )
                await sandboxes.commands.send(command)
        except Exception as error:  # one bad file must not lose the others or the request
            failed.append(f"{upload.filename}: {error}")
            continue
        notes += f"\n\n[Uploaded File: {path}]\n"
    if failed:
        notes += "\n\nThe following files failed to upload:\n" + "\n".join(f"- {line}" for line in failed)
    return notes

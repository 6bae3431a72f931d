"""Files in the sandbox. Paths are relative to the app directory (or absolute under /workspace)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cheatcode_agent.ports.sandbox import SandboxError
from cheatcode_agent.tools.base import Tool, ToolContext, ToolFailure, ToolResult
from cheatcode_contracts import ErrorCode
from cheatcode_contracts.sandbox import (
    MAX_CHUNK_BYTES,
    DeleteFile,
    FileTree,
    ListFiles,
    ReadFile,
    WriteFile,
    b64decode,
    b64encode,
)


class PathArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    file_path: str = Field(min_length=1)


class WriteArgs(PathArgs):
    file_contents: str


class ReadArgs(PathArgs):
    start_line: int = Field(default=1, ge=1)
    end_line: int | None = Field(default=None, ge=1)


class ReplaceArgs(PathArgs):
    old_str: str = Field(min_length=1, description="exact text to replace; must occur exactly once")
    new_str: str


class ListArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    path: str = ""
    recursive: bool = False


async def read_text(context: ToolContext, path: str) -> str:
    """The file's text, chunk by chunk (a reply carries at most MAX_CHUNK_BYTES)."""
    data, offset = bytearray(), 0
    while True:
        chunk = await context.call(ReadFile(sandbox_id=context.sandbox_id, path=path, offset=offset))
        data += b64decode(chunk.content_b64)
        offset = len(data)
        if chunk.eof or offset >= chunk.size:
            return data.decode("utf-8", errors="replace")


async def write_text(context: ToolContext, path: str, text: str) -> int:
    data = text.encode()
    chunks = [data[i : i + MAX_CHUNK_BYTES] for i in range(0, len(data), MAX_CHUNK_BYTES)] or [b""]
    for index, chunk in enumerate(chunks):
        await context.call(
            WriteFile(sandbox_id=context.sandbox_id, path=path, content_b64=b64encode(chunk), append=index > 0)
        )
    return len(data)


async def exists(context: ToolContext, path: str) -> bool:
    try:
        await context.call(ReadFile(sandbox_id=context.sandbox_id, path=path, length=1))
    except SandboxError as error:
        if error.code == ErrorCode.NOT_FOUND:
            return False
        raise
    return True


async def create_file(args: Any, context: ToolContext) -> ToolResult:
    if await exists(context, args.file_path):
        raise ToolFailure(f"File '{args.file_path}' already exists. Use write_file or str_replace to change it.")
    size = await write_text(context, args.file_path, args.file_contents)
    return ToolResult(True, {"message": f"File '{args.file_path}' created", "file_path": args.file_path, "size": size})


async def write_file(args: Any, context: ToolContext) -> ToolResult:
    size = await write_text(context, args.file_path, args.file_contents)
    return ToolResult(True, {"message": f"File '{args.file_path}' written", "file_path": args.file_path, "size": size})


async def read_file(args: Any, context: ToolContext) -> ToolResult:
    text = await read_text(context, args.file_path)
    if args.start_line > 1 or args.end_line is not None:
        lines = text.splitlines(keepends=True)
        text = "".join(lines[args.start_line - 1 : args.end_line])
    return ToolResult(True, {"file_path": args.file_path, "content": text})


async def str_replace(args: Any, context: ToolContext) -> ToolResult:
    text = await read_text(context, args.file_path)
    count = text.count(args.old_str)
    if count != 1:
        where = "does not occur" if count == 0 else f"occurs {count} times"
        raise ToolFailure(f"old_str {where} in '{args.file_path}'; it must occur exactly once")
    await write_text(context, args.file_path, text.replace(args.old_str, args.new_str, 1))
    return ToolResult(True, {"message": f"Replaced 1 occurrence in '{args.file_path}'", "file_path": args.file_path})


async def delete_file(args: Any, context: ToolContext) -> ToolResult:
    await context.call(DeleteFile(sandbox_id=context.sandbox_id, path=args.file_path))
    return ToolResult(True, {"message": f"File '{args.file_path}' deleted", "file_path": args.file_path})


async def list_files(args: Any, context: ToolContext) -> ToolResult:
    path = args.path or "."
    if args.recursive:
        tree = await context.call(FileTree(sandbox_id=context.sandbox_id, path=args.path or None))
        files = [{"name": node["name"], "type": node["type"], "path": node["path"]} for node in _walk(tree.tree)]
    else:
        listing = await context.call(ListFiles(sandbox_id=context.sandbox_id, path=path))
        files = [
            {"name": f.name, "type": "directory" if f.is_dir else "file", "size": f.size, "modified": f.mod_time}
            for f in listing.files
        ]
    message = f"{len(files)} entries in '{path}'"
    return ToolResult(True, {"message": message, "path": path, "files": files, "total_count": len(files)})


def _walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for node in nodes:
        found.append(node)
        found += _walk(node.get("children") or [])
    return found


FILE_TOOLS = (
    Tool("create_file", "Create a new file (fails if it exists).", WriteArgs, create_file),
    Tool("write_file", "Create or overwrite a file with the given contents.", WriteArgs, write_file),
    Tool("read_file", "Read a file, optionally only lines start_line..end_line.", ReadArgs, read_file),
    Tool("str_replace", "Replace old_str, which must occur exactly once, with new_str.", ReplaceArgs, str_replace),
    Tool("delete_file", "Delete a file or directory.", PathArgs, delete_file),
    Tool("list_files", "List a directory (recursive=true: the whole tree).", ListArgs, list_files),
)

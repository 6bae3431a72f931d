"""The committed AsyncAPI documents are what the code generates today (run ``make docs``)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "gen_asyncapi.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_asyncapi", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_asyncapi_docs_match_the_code() -> None:
    gen = generator()
    generated: dict[str, str] = gen.render_all()
    committed = {path.stem: path.read_text() for path in gen.DOCS_DIR.glob("*.json")}
    assert sorted(committed) == sorted(generated), "services and documents differ: run `make docs`"
    stale = [service for service, text in generated.items() if committed[service] != text]
    assert not stale, f"AsyncAPI docs out of date for {stale}: run `make docs` and commit docs/asyncapi"


def test_the_agent_document_is_typed_asyncapi_3() -> None:
    document = json.loads(generator().render_all()["agent"])
    assert document["asyncapi"] == "3.0.0"
    channels = document["channels"]
    assert channels["project.create"]["address"] == "cc.cmd.agent.project.create"
    assert channels["project.created"]["address"] == "cc.evt.project.{project_id}"
    schemas = document["components"]["schemas"]
    assert {"CreateProject", "ProjectCreated", "ThreadCreated", "MessageAdded", "AddMessage"} <= set(schemas)
    assert "user_id" in schemas["ProjectCreated"]["required"]

from __future__ import annotations

from cheatcode_sandbox.entrypoint.preview_gateway import rewrite_head

SID = "0b6a7c1e-4b1e-4f43-9d39-2a6f8d1c0e11"


def test_target_is_rewritten_and_connection_closed() -> None:
    head = f"GET /{SID}/3000/a/b?x=1 HTTP/1.1\r\nHost: gw\r\nConnection: keep-alive\r\n\r\n".encode()
    parsed = rewrite_head(head)
    assert parsed is not None
    sandbox_id, port, upstream = parsed
    assert (sandbox_id, port) == (SID, 3000)
    assert upstream == b"GET /a/b?x=1 HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"


def test_websocket_upgrades_keep_their_connection_header() -> None:
    head = f"GET /{SID}/8081 HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n".encode()
    parsed = rewrite_head(head)
    assert parsed is not None
    assert parsed[2] == b"GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"


def test_foreign_targets_are_refused() -> None:
    for target in ("/", "/not-a-uuid/3000/", f"/{SID}/99999/", f"/{SID}/0/", f"/{SID}/abc/"):
        assert rewrite_head(f"GET {target} HTTP/1.1\r\n\r\n".encode()) is None

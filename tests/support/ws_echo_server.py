"""A WebSocket echo server in the standard library only: runs inside a sandbox's python3.

``python3 ws_echo_server.py PORT``: answers every text or binary frame with ``echo:`` + payload.
"""

import base64
import hashlib
import socket
import struct
import sys
import threading

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def handshake(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    key = next(
        line.split(b":", 1)[1].strip() for line in data.split(b"\r\n") if line.lower().startswith(b"sec-websocket-key")
    )
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")  # fmt: skip


def frame(opcode: int, payload: bytes) -> bytes:
    size = len(payload)
    length = bytes([size]) if size < 126 else bytes([126]) + struct.pack(">H", size)
    return bytes([0x80 | opcode]) + length + payload


def handle(conn: socket.socket) -> None:
    handshake(conn)
    stream = conn.makefile("rb")
    while True:
        head = stream.read(2)
        if len(head) < 2:
            return
        opcode, size = head[0] & 15, head[1] & 127
        if size == 126:
            size = struct.unpack(">H", stream.read(2))[0]
        elif size == 127:
            size = struct.unpack(">Q", stream.read(8))[0]
        mask = stream.read(4)
        payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(stream.read(size)))
        if opcode == 8:
            conn.sendall(frame(8, b""))
            return
        conn.sendall(frame(opcode, b"echo:" + payload))


server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    client, _ = server.accept()
    threading.Thread(target=handle, args=(client,), daemon=True).start()

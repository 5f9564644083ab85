"""Reading server frames off a raw socket, for the tests that speak the wire protocol themselves."""

from __future__ import annotations

import socket
import struct


def read_frame(sock: socket.socket, buffered: bytearray) -> tuple[int, bytes]:
    """(first byte — FIN, RSV bits and opcode —, payload) of one unmasked server frame; bytes read
    past it stay in ``buffered``."""

    def need(n: int) -> bytes:
        while len(buffered) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            buffered.extend(chunk)
        out = bytes(buffered[:n])
        del buffered[:n]
        return out

    first, second = need(2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", need(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", need(8))
    return first, need(length)

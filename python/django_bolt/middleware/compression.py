"""``CompressionConfig``: response compression, applied in Rust."""

from __future__ import annotations

import dataclasses
from typing import Literal

from .._schema import CompressionRecord


@dataclasses.dataclass(frozen=True)
class CompressionConfig:
    """``BoltAPI(compression=CompressionConfig(...))``.

    The response body is compressed with ``backend`` when the client's ``Accept-Encoding``
    allows it (q-values honoured, ``q=0`` refuses), else with gzip if ``gzip_fallback``. Bodies
    smaller than ``minimum_size`` bytes, already-compressed media types (images, archives,
    fonts...), responses with ``Content-Encoding``, ``Cache-Control: no-transform``, event
    streams, HEAD and 204/304 answers and ``@no_compress`` routes are sent as they are.
    """

    backend: Literal["brotli", "gzip", "zstd"] = "brotli"
    minimum_size: int = 500
    gzip_fallback: bool = True
    brotli_level: int = 5
    brotli_lgwin: int = 14
    gzip_level: int = 6
    #: The release's default; the pure-Rust zstd encoder has one level, so another value is refused.
    zstd_level: int = 3

    def __post_init__(self) -> None:
        if self.backend not in ("brotli", "gzip", "zstd"):
            raise ValueError(f"CompressionConfig: Invalid backend {self.backend!r}: must be 'brotli', 'gzip' or 'zstd'")
        if self.minimum_size < 0:
            raise ValueError(f"CompressionConfig: minimum_size must be non-negative, not {self.minimum_size}")
        if not 0 <= self.brotli_level <= 11:
            raise ValueError("CompressionConfig: brotli_level must be 0..11")
        if not 10 <= self.brotli_lgwin <= 24:
            raise ValueError("CompressionConfig: brotli_lgwin must be 10..24")
        if not 0 <= self.gzip_level <= 9:
            raise ValueError("CompressionConfig: gzip_level must be 0..9")
        if self.zstd_level != 3:
            raise ValueError(
                "CompressionConfig: zstd_level cannot be chosen (the pure-Rust zstd encoder has one level); "
                "leave it at its default"
            )

    def to_dict(self) -> CompressionRecord:
        return CompressionRecord(**dataclasses.asdict(self))  # type: ignore[typeddict-item]


__all__ = ["CompressionConfig"]

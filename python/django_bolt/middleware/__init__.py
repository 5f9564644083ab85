"""CORS, rate limits and compression (all enforced in Rust; these only configure them)."""

from .compression import CompressionConfig
from .decorators import cors, no_compress, rate_limit, skip_middleware

__all__ = ["CompressionConfig", "cors", "rate_limit", "skip_middleware", "no_compress"]

"""The release's private module of argument extractors, by name, for code written against it.

Here handler arguments are coerced by Rust (``src/params``) and compiled by ``_compile.py``; the
names this package gives are that machinery, not a second implementation of it.
"""

from .extractors import create_body_extractor, get_msgspec_decoder

__all__ = ["create_body_extractor", "get_msgspec_decoder"]

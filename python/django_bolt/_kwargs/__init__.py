"""The release's private module of argument extractors, by name, for code written against it.

Here handler arguments are coerced by Rust (``src/params``) and compiled by ``_compile.py``; the
names this package gives are that machinery, not a second implementation of it.
"""

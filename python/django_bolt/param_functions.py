"""The parameter markers under the module name older code imports them from."""

from .params import Body, Cookie, Depends, File, Form, Header, Path, Query

__all__ = ["Query", "Path", "Header", "Cookie", "Body", "Form", "File", "Depends"]

"""Copies every docs example into its code block in README.md.

GitHub cannot include a file in a README, so the README carries a copy of each example under a
marker that names the file:

    <!-- example: docs/examples/quickstart.py -->
    ```python
    (the whole file)
    ```

After editing an example run ``python docs/examples/sync_readme.py``; ``--check`` only reports
the stale blocks (exit 1). tests/docs/test_readme.py fails while any block differs from its file.
"""

from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
COMMAND = "python docs/examples/sync_readme.py"
BLOCK = re.compile(
    r"(?P<head><!-- example: (?P<path>docs/examples/[\w/]+\.py) -->\n```python\n)(?P<code>.*?)(?P<tail>^```)",
    re.S | re.M,
)


def blocks(text: str) -> list[tuple[str, str]]:
    """The README's example blocks, in order: (file path relative to the repository, block content)."""
    return [(match["path"], match["code"]) for match in BLOCK.finditer(text)]


def synced(text: str, root: pathlib.Path = ROOT) -> str:
    """``text`` with each example block replaced by the current content of its file."""

    def replace(match: re.Match[str]) -> str:
        return match["head"] + (root / match["path"]).read_text(encoding="utf-8") + match["tail"]

    return BLOCK.sub(replace, text)


def stale(text: str, root: pathlib.Path = ROOT) -> list[str]:
    """The example files whose README block differs from the file."""
    return [path for path, code in blocks(text) if code != (root / path).read_text(encoding="utf-8")]


def main(argv: list[str], readme: pathlib.Path = README) -> int:
    text = readme.read_text(encoding="utf-8")
    outdated = stale(text, readme.parent)
    if "--check" in argv:
        for path in outdated:
            print(f"{readme.name}: the block of {path} differs from the file; run `{COMMAND}`")
        return 1 if outdated else 0
    if outdated:
        readme.write_text(synced(text, readme.parent), encoding="utf-8")
    for path in outdated:
        print(f"{readme.name}: updated the block of {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Every ```python block of the README marked `<!-- readme-example: ... -->` runs, in order."""

import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"<!-- readme-example: ([\w-]+) -->\s*```python\n(.*?)```", re.S)


def test_readme_has_examples():
    names = [m.group(1) for m in EXAMPLE.finditer(README.read_text())]
    assert names == ["quickstart", "testing", "health", "websocket", "auth", "streaming", "middleware"]


@pytest.mark.django_db(transaction=True)
def test_readme_examples_run():
    namespace: dict = {"__name__": "readme_example"}
    for match in EXAMPLE.finditer(README.read_text()):
        exec(compile(match.group(2), f"README.md:{match.group(1)}", "exec"), namespace)

"""The Rust modules depend downward only, in the layers ``docs/architecture.md`` lists, and the
request is routed in one place."""

from __future__ import annotations

import re

import pytest

from .module_deps import SRC, cycles, dependencies, strip_code

DOC = SRC.parent / "docs" / "architecture.md"

# The conda recipe's tests ship tests/ alone; CI runs these from the repository.
pytestmark = pytest.mark.skipif(not SRC.is_dir(), reason="the Rust sources are not here (a packaged test run)")


def documented_layers() -> dict[str, int]:
    text = DOC.read_text()
    table = text[text.index("<!-- layers:") :]
    layers: dict[str, int] = {}
    for line in table.splitlines()[1:]:
        m = re.match(r"\|\s*(\d+)\s*\|([^|]*)\|", line)
        if m:
            for name in re.findall(r"`(\w+)`", m.group(2)):
                layers[name] = int(m.group(1))
        elif layers and not line.startswith("|"):
            break
    return layers


def test_every_module_has_a_layer():
    graph = dependencies()
    layers = documented_layers()
    assert sorted(graph) == sorted(layers), "docs/architecture.md and src/ list different modules"


def test_modules_depend_downward_only():
    layers = documented_layers()
    wrong = [
        f"{mod} (layer {layers[mod]}) uses {dep} (layer {layers[dep]})"
        for mod, deps in sorted(dependencies().items())
        for dep in sorted(deps)
        if layers[dep] >= layers[mod]
    ]
    assert not wrong, "upward or sideways module dependencies:\n" + "\n".join(wrong)


def test_no_module_cycle():
    assert cycles(dependencies()) == []


def test_the_checker_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _calls(pattern: str) -> list[str]:
    found = []
    for file in sorted(SRC.rglob("*.rs")):
        if re.search(pattern, strip_code(file.read_text())):
            found.append(str(file.relative_to(SRC)))
    return found


def test_requests_are_routed_and_forwarded_in_the_route_stage_only():
    # One router lookup and one forwarded-header pass per request: only the route stage does them.
    assert _calls(r"\.router\s*\.\s*find\(") == ["pipeline/route.rs"]
    assert _calls(r"apply_forwarded\(") == ["pipeline/route.rs", "request/forwarded.rs"]


def test_http_types_know_nothing_of_python_or_the_app():
    for file in [*(SRC / "request").rglob("*.rs"), *(SRC / "response").rglob("*.rs")]:
        text = strip_code(file.read_text())
        assert "pyo3" not in text, file
        assert "crate::app" not in text, file

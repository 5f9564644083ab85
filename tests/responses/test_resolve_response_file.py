"""``_core.resolve_response_file``: the check the server makes before sending a ``FileResponse``,
callable from Python; each outcome is checked against the server's answer for the same path."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI, _core
from django_bolt.responses import FileResponse


@pytest.fixture
def tree(tmp_path):
    """``allowed/`` with a file and three links (to it, out of ``allowed/``, to itself)."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    targets = {"a.txt": None, "inside": allowed / "a.txt", "escape": tmp_path / "secret.txt", "loop": allowed / "loop"}
    (tmp_path / "secret.txt").write_text("s")
    for name, target in targets.items():
        if target is None:
            (allowed / name).write_text("a")
        else:
            (allowed / name).symlink_to(target)
    return tmp_path


def test_outcomes_match_the_server(tree, settings, client_for):
    allowed = tree / "allowed"
    settings.BOLT_ALLOWED_FILE_PATHS = [str(allowed)]
    api = BoltAPI()

    @api.get("/file")
    async def send(path: str):
        return FileResponse(path)

    client = client_for(api)
    cases = {
        allowed / "a.txt": (200, None),
        allowed / "inside": (200, None),
        allowed / "escape": (403, PermissionError),
        tree / "secret.txt": (403, PermissionError),
        f"{allowed}/../secret.txt": (403, PermissionError),
        allowed / "missing.txt": (404, FileNotFoundError),
    }
    for path, (status, error) in cases.items():
        assert client.get("/file", params={"path": str(path)}).status_code == status, path
        if error is None:
            assert _core.resolve_response_file(path, [allowed]) == str((allowed / "a.txt").resolve())
        else:
            with pytest.raises(error):
                _core.resolve_response_file(path, [allowed])


def test_paths_that_name_no_file(tree):
    allowed = tree / "allowed"
    with pytest.raises(ValueError, match="not a regular file"):
        _core.resolve_response_file(allowed)
    with pytest.raises(ValueError, match="cannot be resolved"):
        _core.resolve_response_file(allowed / "loop")
    with pytest.raises(ValueError, match="NUL"):
        _core.resolve_response_file("a\0b")
    # Without roots any existing file resolves; a symlink to its target.
    assert _core.resolve_response_file(allowed / "escape") == str((tree / "secret.txt").resolve())

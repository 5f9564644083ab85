"""README.md's example blocks are copies of docs/examples/*.py (tests/docs/test_examples.py runs those files)."""

from pathlib import Path

from docs.examples import sync_readme

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def test_readme_blocks_are_the_example_files():
    stale = sync_readme.stale(sync_readme.README.read_text(encoding="utf-8"))
    assert not stale, (
        f"README.md's copies of {stale} differ from the files; run `{sync_readme.COMMAND}` "
        "(edit the file under docs/examples, never the README block)"
    )


def test_every_example_is_in_the_readme():
    text = sync_readme.README.read_text(encoding="utf-8")
    shown = [path for path, _ in sync_readme.blocks(text)]
    files = {f"docs/examples/{path.name}" for path in EXAMPLES.glob("*.py")} - {
        "docs/examples/__init__.py",
        "docs/examples/sync_readme.py",
    }
    assert sorted(shown) == sorted(files), "each example appears once in README.md under `<!-- example: PATH -->`"
    assert "readme-example" not in text  # the old marker, whose blocks nothing checks any more
    assert text.count("<!-- example:") == len(shown), "a marker not followed by a ```python block"


def test_sync_rewrites_stale_blocks(tmp_path, capsys):
    (tmp_path / "docs" / "examples").mkdir(parents=True)
    (tmp_path / "docs" / "examples" / "a.py").write_text("print('new')\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    before = "Intro\n\n<!-- example: docs/examples/a.py -->\n```python\nprint('old')\n```\n\n```python\nx = 1\n```\n"
    readme.write_text(before, encoding="utf-8")

    assert sync_readme.main(["--check"], readme) == 1
    assert "docs/examples/a.py" in capsys.readouterr().out
    assert readme.read_text(encoding="utf-8") == before  # --check writes nothing

    assert sync_readme.main([], readme) == 0
    assert readme.read_text(encoding="utf-8") == before.replace("print('old')", "print('new')")
    assert sync_readme.main(["--check"], readme) == 0

"""The reader of the onboarding guide's steps (tests/guide.py): it applies what it says, or says why not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.guide import GuideError, apply, steps

GUIDE = """# A guide

```sh
make docs
```

<!-- guide: replace "raise NotImplementedError(\\"decide" in module.py -->
```python
return [Done()]
```

<!-- guide: after "class Thing:" in module.py -->
```python
size: int

colour: str
```

<!-- guide: write tests/test_new.py -->
```python
def test_it() -> None:
    assert True
```

<!-- guide: not run by the template's test (no remote here) -->
```sh
git push
```
"""

MODULE = """class Thing:
    name: str


def decide() -> list[object]:
    match 1:
        case 1:
            raise NotImplementedError("decide it")
"""


def test_each_block_is_read_with_what_to_do_and_where() -> None:
    read = steps(GUIDE)
    assert [(s.kind, s.path, s.anchor) for s in read] == [
        ("run", "", ""),
        ("replace", "module.py", 'raise NotImplementedError("decide'),
        ("after", "module.py", "class Thing:"),
        ("write", "tests/test_new.py", ""),
        ("shown", "", ""),
    ]
    assert read[0].text == "make docs"
    assert read[0].line == 3


def test_edits_land_at_the_anchors_indentation(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "module.py").write_text(MODULE, encoding="utf-8")
    for step in steps(GUIDE):
        if step.kind in {"replace", "after", "write"}:
            apply(step, tmp_path)
    assert (tmp_path / "module.py").read_text(encoding="utf-8") == (
        "class Thing:\nsize: int\n\ncolour: str\n    name: str\n\n\n"
        "def decide() -> list[object]:\n    match 1:\n        case 1:\n            return [Done()]\n"
    )
    assert (tmp_path / "tests" / "test_new.py").read_text(encoding="utf-8").startswith("def test_it()")


@pytest.mark.parametrize(
    ("guide", "message"),
    [
        ("text\n\n```python\nx = 1\n```\n", "line 3: a python block with no `<!-- guide: ... -->` comment"),
        ("<!-- guide: insert x -->\n```python\nx = 1\n```\n", "line 1: unknown guide comment 'insert x'"),
        ("```sh\nmake docs\n", "line 1: the code block is never closed"),
    ],
)
def test_a_guide_that_cannot_be_performed_names_its_line(guide: str, message: str) -> None:
    with pytest.raises(GuideError, match=message.replace("(", r"\(").replace(")", r"\)")):
        steps(guide)


@pytest.mark.parametrize(("anchor", "count"), [("missing", 0), ("    ", 2)])
def test_an_anchor_must_be_on_exactly_one_line(anchor: str, count: int, tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text("a\n    b\n    c\n", encoding="utf-8")
    guide = f'<!-- guide: after "{anchor}" in module.py -->\n```python\nx = 1\n```\n'
    (step,) = steps(guide)
    with pytest.raises(
        GuideError, match=f"guide line 2: '{anchor}' is on {count} lines of module.py, not one"
    ):
        apply(step, tmp_path)

{%- set A = cookiecutter.aggregate -%}
"""`make new-version` and `make retire-version` on a copy of this component, as a squad runs them.

Each step runs `python -m contracts` in a new interpreter whose imports come from the copy, so the
registry it reads is the one the previous step wrote, and this component's own files are never touched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.events import registry
{%- if cookiecutter.consumer %}
from {{ cookiecutter.package_name }}.handlers import consumer
{%- endif %}

from contracts import schemas
from tests.copies import component_copy, contracts, run, snapshot

LISTED = "{{ A }}Listed"
PACKAGE = "{{ cookiecutter.package_name }}"
# The version of LISTED the domain records today in this component (1 until its first new version).
CURRENT = next(t.version for t in registry.EVENT_TYPES if t.current and t.name == LISTED)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return component_copy(tmp_path)


# Run in the copy: what its registry says of the event named in argv[1] (see versions_of).
INSPECT = """
import json, sys
from PACKAGE.events import registry
name = sys.argv[1]
current = next(t for t in registry.EVENT_TYPES if t.current and t.name == name)
published = registry.published(current.example)
print(json.dumps({
    "published": [t.version for t in registry.PUBLISHED if t.name == name],
    "sent": [[t.version, data] for t, data in published],
    "reads_back": all(registry.from_data(name, t.version, data) == current.example for t, data in published),
}))
""".replace("PACKAGE", PACKAGE)


def versions_of(copy: Path, name: str) -> dict[str, Any]:
    """What the copy's registry says of ``name``: published versions and data, and if they read back."""
    result = run(copy, "-c", INSPECT, name)
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def registry_reads(copy: Path, name: str, version: int) -> bool:
    """Whether the copy reads data of an old version of ``name`` (the example's, as that version told it)."""
    script = (
        f"from {PACKAGE}.events import registry; "
        f"old = next(t for t in registry.EVENT_TYPES if (t.name, t.version) == ({name!r}, {version})); "
        f"print(registry.from_data({name!r}, {version}, registry.to_data(old.example)).kind)"
    )
    result = run(copy, "-c", script)
    return result.returncode == 0 and result.stdout.strip() == name


def pact_asking_for(copy: Path, name: str, version: int) -> Path:
    pact = {
        "consumer": {"name": "pricing"},
        "provider": {"name": "{{ cookiecutter.component_slug }}"},
        "interactions": [{"description": f"a {name} v{version} event", "type": "Asynchronous/Messages"}],
    }
    path = copy / "pacts" / "pricing-{{ cookiecutter.component_slug }}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(pact), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("event", "refusal"),
    [
        ("", "name the event: make new-version EVENT=<name>, one of"),
        (
            "{{ A }}Sold",
            "no event named '{{ A }}Sold' is registered; public events:",
        ),
        (
            "{{ A }}Withdrawn",
            "{{ A }}Withdrawn is private: it may change with the component, in place",
        ),
    ],
    ids=["no name", "unknown", "private"],
)
def test_new_version_refuses_what_needs_no_version_and_writes_nothing(
    copy: Path, event: str, refusal: str
) -> None:
    before = snapshot(copy)
    result = contracts(copy, "new-version", event)
    assert result.returncode == 1
    assert refusal in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(copy) == before


def with_fields(copy: Path, fields: str) -> None:
    """The current LISTED with ``fields`` added after its title, and an enum ``Paint`` in the domain."""
    path = copy / "src" / PACKAGE / "domain" / "{{ cookiecutter.aggregate | snake_case }}.py"
    text = path.read_text(encoding="utf-8")
    text = text.replace(f"class {LISTED}(", f'class Paint(StrEnum):\n    RED = "red"\n\n\nclass {LISTED}(', 1)
    start = text.index(f"class {LISTED}(")
    at = text.index("    title: Title\n", start) + len("    title: Title\n")
    path.write_text(text[:at] + fields + text[at:], encoding="utf-8")


def test_new_version_writes_enum_defaults_and_constrained_optional_fields_out(copy: Path) -> None:
    with_fields(
        copy,
        "    paint: Paint = Paint.RED\n"
        '    stock_code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None\n',
    )
    result = contracts(copy, "new-version", LISTED)
    assert result.returncode == 0, result.stderr
    earlier = (copy / "src" / PACKAGE / "events" / "earlier.py").read_text(encoding="utf-8")
    assert "paint: domain.Paint = domain.Paint.RED" in earlier
    assert 'stock_code: Annotated[str, Field(pattern="^[A-Z]{3}$")] | None = None' in earlier
    assert versions_of(copy, LISTED)["reads_back"] is True


def test_new_version_that_cannot_write_a_default_out_writes_nothing(copy: Path) -> None:
    with_fields(copy, "    seen: datetime = datetime(2020, 1, 1)\n")
    before = snapshot(copy)
    result = contracts(copy, "new-version", LISTED)
    assert result.returncode == 1
    assert "field 'seen' has the default datetime.datetime(2020, 1, 1, 0, 0)" in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(copy) == before


def test_new_version_refuses_a_version_not_yet_released(copy: Path) -> None:
    (copy / "docs" / "events" / "baseline" / schemas.file_name(LISTED, CURRENT)).unlink()
    result = contracts(copy, "new-version", LISTED)
    assert result.returncode == 1
    assert f"{LISTED} v{CURRENT} is not released" in result.stderr
    assert "change it in place, then `make release-contracts`" in result.stderr


def test_a_new_version_is_published_beside_the_old_until_it_is_retired(copy: Path) -> None:
    # Written for any state of this component: NEW is the version the scaffold adds, OLD the current one.
    old, new = CURRENT, CURRENT + 1
    before = versions_of(copy, LISTED)["published"]
    scaffolded = contracts(copy, "new-version", LISTED)
    assert scaffolded.returncode == 0, scaffolded.stderr
    assert f"{LISTED}: version {new} is current, version {old} is published beside it." in scaffolded.stdout
    assert (copy / "src" / PACKAGE / "events" / "earlier.py").is_file()

    # Both versions are published, each event in both, and every version reads back as today's event.
    found = versions_of(copy, LISTED)
    assert found["published"] == [new, *before]
    [newest, newer_data], [older, older_data] = found["sent"][:2]
    assert (newest, older) == (new, old)
    assert newer_data == older_data, "until the breaking change is made, both versions tell the same"
    assert found["reads_back"] is True

    for step in (("docs",), ("check",), ("release",)):
        result = contracts(copy, *step)
        assert result.returncode == 0, (step, result.stdout, result.stderr)
    baseline = copy / "docs" / "events" / "baseline"
    assert (baseline / schemas.file_name(LISTED, new)).is_file()
    assert (copy / "docs" / "events" / "schemas" / schemas.file_name(LISTED, old)).is_file()

    # Retiring the older version waits for every known reader of it: a pact{% if cookiecutter.consumer %}, this component's own consumer{% endif %}.
    pact = pact_asking_for(copy, LISTED, old)
    refused = contracts(copy, "retire-version", LISTED, str(old))
    assert refused.returncode == 1
    assert "pricing (pacts/pricing-{{ cookiecutter.component_slug }}.json)" in refused.stderr
    # The consumer's pacts in its own checkout, named by PACT_SOURCES as for `make verify-pacts`.
    elsewhere = copy / "beside" / "pricing" / "pacts"
    elsewhere.mkdir(parents=True)
    pact.rename(elsewhere / pact.name)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("PACT_SOURCES", str(elsewhere))
        refused = contracts(copy, "retire-version", LISTED, str(old))
    assert refused.returncode == 1
    assert "pricing (PACT_SOURCES: pricing-{{ cookiecutter.component_slug }}.json)" in refused.stderr
{%- if cookiecutter.consumer %}
    if consumer.SUBSCRIBED.get(LISTED) == old:
        refused = contracts(copy, "retire-version", LISTED, str(old))
        assert "this component's own consumer (SUBSCRIBED in handlers/consumer.py)" in refused.stderr
        handler = copy / "src" / PACKAGE / "handlers" / "consumer.py"
        text = handler.read_text(encoding="utf-8")
        handler.write_text(text.replace(f'"{LISTED}": {old},', f'"{LISTED}": {new},'), encoding="utf-8")
{%- endif %}
    assert contracts(copy, "retire-version", LISTED, str(new)).returncode == 1, "the current version stays"

    retired = contracts(copy, "retire-version", LISTED, str(old))
    assert retired.returncode == 0, retired.stderr
    assert not (baseline / schemas.file_name(LISTED, old)).exists()
    assert (copy / "docs" / "events" / "retired" / schemas.file_name(LISTED, old)).is_file()
    found = versions_of(copy, LISTED)
    assert old not in found["published"]
    assert old not in [version for version, _ in found["sent"]]
    assert registry_reads(copy, LISTED, old), "history recorded in the retired version stays readable"
    assert contracts(copy, "check").returncode == 0

    # A pact that asks for the retired version again is refused by the gate itself.
    pact_asking_for(copy, LISTED, old)
    late = contracts(copy, "check")
    assert late.returncode == 1
    assert f"{LISTED} v{old} is retired while pricing" in late.stderr
    assert "undo the retirement (revert its commit" in late.stderr


def test_retire_version_says_how_to_name_the_version(copy: Path) -> None:
    result = contracts(copy, "retire-version", LISTED, "")
    assert result.returncode == 2
    assert "make retire-version EVENT={{ A }}Listed VERSION=1" in result.stderr

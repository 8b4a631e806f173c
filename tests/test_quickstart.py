"""The README's quickstart, run literally, as a new squad member runs it on a new laptop.

A fresh clone of this repository; HOME is an empty folder (no git identity, no uv, pip or npm cache);
PATH holds Python, git, make, Node.js and Java but no uv; `./bootstrap.sh` with no options. Then, in a
new process with the same environment, the next steps exactly as bootstrap printed them, and a first
commit through the hooks they installed. It downloads everything, so it is the one test that does.

It is also the template's check of the default component with cookiecutter: `make verify` runs
inside bootstrap (lint, every test, the synth gates, the local deploy and the end-to-end tests). The
same component, install and caches then take a squad's first changes (an enum and a nested model in a
public event, its second version by the README's steps, a command and an event from the scaffolds)
through `make verify` again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.guide import perform
from tests.rendering import ROOT, follow, fresh_clone, next_steps

# The tools the README's quickstart asks for, and nothing else of this machine's PATH.
REQUIRED_TOOLS = ("python3", "git", "make", "node", "npm", "java")
QUICKSTART_TIMEOUT_SECONDS = 20 * 60

# One worker for the module: its tests share the quickstart's component (a module fixture), which a
# second worker would build again.
pytestmark = pytest.mark.xdist_group("quickstart")
MACHINE_NETWORK = re.compile(r"PROXY|CERT|SSL|CA_BUNDLE|^PIP_", re.IGNORECASE)


def new_laptop_environment(home: Path) -> dict[str, str]:
    """This machine's environment less everything a new laptop would not have."""
    directories: list[str] = []
    # The interpreter itself, not a version-manager shim that would look for its own files in HOME.
    python_bin = str(Path(sys.base_prefix) / "bin")
    for tool in REQUIRED_TOOLS:
        found = shutil.which(tool, path=python_bin) if tool == "python3" else shutil.which(tool)
        assert found, f"the quickstart needs {tool} on this machine"
        directory = str(Path(found).parent)
        if directory not in directories:
            directories.append(directory)
    path = os.pathsep.join(directories)
    assert shutil.which("uv", path=path) is None, f"uv must not be on the quickstart's PATH: {path}"
    kept = ("LANG", "LC_ALL", "TERM", "TMPDIR", "JAVA_HOME", "PYTHONDONTWRITEBYTECODE", "CI")
    env = {name: os.environ[name] for name in kept if name in os.environ}
    # The machine's network and trust settings (proxies, the CA bundle, pip's index settings): a laptop
    # has them in its system configuration, not in a user's HOME.
    env.update({name: value for name, value in os.environ.items() if MACHINE_NETWORK.search(name)})
    env.update(HOME=str(home), PATH=path, GIT_CONFIG_NOSYSTEM="1")
    return env


@dataclass(frozen=True)
class Quickstart:
    """The README's quickstart, run once for the module: where it ran and what bootstrap printed."""

    root: Path
    env: dict[str, str]
    clone: Path
    template_head: str
    result: subprocess.CompletedProcess[str]

    @property
    def component(self) -> Path:
        return self.clone / "build" / "inventory"


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Quickstart:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n./bootstrap.sh   #" in readme, "the README's first command is `./bootstrap.sh`"
    root = tmp_path_factory.mktemp("quickstart")
    home = root / "home"
    home.mkdir()
    env = new_laptop_environment(home)
    clone = fresh_clone(root / "backend-component-template")
    template_head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout
    result = subprocess.run(
        ["./bootstrap.sh"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=QUICKSTART_TIMEOUT_SECONDS,
        check=False,
    )
    return Quickstart(root, env, clone, template_head, result)


@pytest.mark.slow
def test_the_readme_quickstart_works_as_written_on_a_new_laptop(quickstart: Quickstart) -> None:
    result, env, clone, tmp_path = quickstart.result, quickstart.env, quickstart.clone, quickstart.root
    template_head, component = quickstart.template_head, quickstart.component
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    for step in ("render (cookiecutter)", "make install", "make verify"):
        assert re.search(rf"^\s+{re.escape(step)}\s+ok\s", result.stdout, re.MULTILINE), step

    # Its own repository on main with one commit, inside the template's clone, which it leaves untouched.
    def git(directory: Path, *arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=directory, env=env, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert Path(git(component, "rev-parse", "--show-toplevel")) == component.resolve()
    assert git(component, "branch", "--show-current") == "main"
    assert git(component, "rev-list", "--count", "HEAD") == "1"
    assert git(component, "status", "--porcelain") == "", "verify leaves nothing .gitignore misses"
    assert git(clone, "rev-parse", "HEAD") == template_head.strip()
    assert git(clone, "status", "--porcelain") == "", "the template's clone is left as it was"

    # The next steps as printed, in a new process: no uv on PATH, nothing inherited from bootstrap.
    steps = next_steps(result.stdout)
    assert steps[0].startswith("cd ")
    assert {"make test-unit", "make hooks"} <= set(steps), steps
    followed = follow(steps, tmp_path, env)
    assert followed.returncode == 0, followed.stdout[-4000:] + followed.stderr[-4000:]
    assert re.search(r"\d+ passed", followed.stdout), followed.stdout[-2000:]
    assert (component / ".git" / "hooks" / "pre-commit").is_file()

    # The hooks they installed run on the next commit, from the same uv-less shell.
    package = component / "src" / "inventory" / "__init__.py"
    package.write_text(package.read_text(encoding="utf-8") + "# Day one: the quickstart works.\n", "utf-8")
    commit = subprocess.run(
        [
            "git",
            "-c",
            "user.name=New Engineer",
            "-c",
            "user.email=new@localhost",
            "commit",
            "-am",
            "Say what",
        ],
        cwd=component,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    hooks_report = commit.stdout + commit.stderr
    assert commit.returncode == 0, hooks_report
    assert re.search(r"^ruff format\.+Passed$", hooks_report, re.MULTILINE), hooks_report
    assert re.search(r"^mypy\.+Passed$", hooks_report, re.MULTILINE), hooks_report


# The edits a squad makes to its first public event, then its first breaking change, by the README's steps.
CONDITION_AND_SIZE = """class Condition(StrEnum):
    NEW = "new"
    USED = "used"


class Dimensions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    length_mm: PositiveInt
    width_mm: PositiveInt | None = None


"""
LISTED = """class VehicleListed(_Message):
    kind: Literal["VehicleListed"] = "VehicleListed"
    vehicle_id: Identity
    title: Title
    price: Price
"""
TITLE = "Title = Annotated[str, Field(min_length=1, max_length={})]"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.slow
def test_a_squads_first_changes_pass_make_verify(quickstart: Quickstart) -> None:
    """An enum and a nested model in a public event, its second version by the README's steps, then the
    onboarding guide performed as written (a command and an event from the scaffolds, a rule on time,
    a route), with one `make verify` for all."""
    # The component the quickstart verified, its install and caches reused: only the changes are new.
    assert quickstart.result.returncode == 0, "the quickstart failed: see its test"
    component, env = quickstart.component, quickstart.env
    readme = (component / "README.md").read_text(encoding="utf-8")
    steps = ("make new-version EVENT=VehicleListed", "make docs && make release-contracts", "make verify")
    for step in steps:
        assert step in readme, f"the README's steps name {step!r}"

    def make(*targets: str) -> str:
        done = subprocess.run(
            ["make", *targets],
            cwd=component,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        assert done.returncode == 0, (
            f"make {' '.join(targets)}:\n{done.stdout[-5000:]}\n{done.stderr[-5000:]}"
        )
        return done.stdout

    # A compatible change to released version 1: an optional enum and an optional nested model.
    domain = component / "src" / "inventory" / "domain" / "vehicle.py"
    events_section = "# ---------------------------------------------------------------- events\n\n\n"
    edit(domain, events_section, events_section + CONDITION_AND_SIZE)
    edit(
        domain,
        LISTED,
        LISTED + "    condition: Condition | None = None\n    size: Dimensions | None = None\n",
    )
    make("docs")
    assert "compatible with its baseline" in make("check-contracts")

    # A breaking change, by the README's steps: titles may grow to 300 characters.
    make("new-version", "EVENT=VehicleListed")
    edit(domain, TITLE.format(200), TITLE.format(300))
    earlier = component / "src" / "inventory" / "events" / "earlier.py"
    # Version 1 promised at most 200 characters: its consumers get the title cut to that.
    edit(earlier, "        title=event.title,\n", "        title=event.title[:200],\n")
    make("docs")
    make("release-contracts")

    # The onboarding exercise, performed from docs/onboarding.md itself: its commands run, its code
    # blocks applied where its comments say. It ends with `make verify` and a commit through the hooks.
    guide = (component / "docs" / "onboarding.md").read_text(encoding="utf-8")
    identity = {
        "GIT_AUTHOR_NAME": "New Engineer",
        "GIT_AUTHOR_EMAIL": "new@localhost",
        "GIT_COMMITTER_NAME": "New Engineer",
        "GIT_COMMITTER_EMAIL": "new@localhost",
    }
    ran = [command for command, _ in perform(guide, component, {**env, **identity})]
    assert {"make new-event NAME=VehicleReserved VISIBILITY=public", "make verify"} <= set(ran), ran

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=component, env=env, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert git("branch", "--show-current") == "reserve-vehicle"
    assert git("status", "--porcelain") == "", "the guide's commit holds every change"
    assert git("log", "-1", "--format=%s") == "Reserve a Vehicle for a number of hours"

    events = component / "docs" / "events"
    assert {p.name for p in (events / "baseline").glob("VehicleListed.*")} == {
        "VehicleListed.v1.json",
        "VehicleListed.v2.json",
    }
    schema = json.loads((events / "schemas" / "VehicleListed.v2.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]) == {"Condition", "Dimensions"}
    assert schema["properties"]["title"]["maxLength"] == 300
    asyncapi = (events / "asyncapi.yaml").read_text(encoding="utf-8")
    for channel in ("VehicleListed.v1:", "VehicleListed.v2:"):
        assert channel in asyncapi
    assert '$ref: "#/components/schemas/VehicleListed.v2/$defs/Condition"' in asyncapi
    assert "VehicleReserved.v1:" in asyncapi
    assert (events / "baseline" / "VehicleReserved.v1.json").is_file()
    routes = json.loads((component / "docs" / "openapi.json").read_text(encoding="utf-8"))["paths"]
    assert "/vehicles/{vehicle_id}/reserve" in routes

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
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cdk_cli import assert_the_cli_synthesizes_what_make_synth_checked
from tests.guide import perform
from tests.rendering import (
    ROOT,
    follow,
    fresh_clone,
    make_in,
    next_steps,
    render_cookiecutter,
    render_copier,
    tree_differences,
)
from tests.two_components import (
    EVENT,
    FLOW,
    PRICING,
    PRODUCER,
    complete_the_projection,
    json_lines,
    running,
    started,
)

# The tools the README's quickstart asks for, and nothing else of this machine's PATH.
REQUIRED_TOOLS = ("python3", "git", "make", "node", "npm", "java")
# A bound for a hang, not a speed goal (that is docs/benchmarks.md's): on the slowest day seen here the
# quickstart took 12.6 minutes, downloads and `make verify` included, and CI's own limit is 90.
QUICKSTART_TIMEOUT_SECONDS = 40 * 60

# One worker for the module: its tests share the quickstart's component (a session fixture), which a
# second worker would build again. They run in file order: the two-squads test uses the component as the
# quickstart left it, before the squad's first changes.
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


def identity_steps(printed: str) -> list[str]:
    """The next steps that give git an identity (printed when it has none)."""
    return [step for step in next_steps(printed) if step.startswith("git config --global user.")]


@pytest.fixture(scope="session")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Quickstart:
    root = tmp_path_factory.mktemp("quickstart")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n./bootstrap.sh   #" in readme, "the README's first command is `./bootstrap.sh`"
    home = root / "home"
    home.mkdir(parents=True)
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


def git(directory: Path, env: dict[str, str], *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=directory, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.slow
def test_the_cdk_cli_of_make_deploy_synthesizes_the_stack_make_synth_checks(quickstart: Quickstart) -> None:
    """`make deploy` and `make destroy` run the CDK CLI, which runs the app as cdk.json says: from the
    same uv-less shell, it builds the stack that `make synth` checked (cdk-nag, cfn-lint), with
    cdk.json's feature flags in both."""
    assert quickstart.result.returncode == 0, "the quickstart failed: see its test"
    component, env = quickstart.component, quickstart.env
    # The quickstart's `make verify` synthesized the rendered code into cdk.out, which the CLI's stack
    # must match: so this test runs first of those on the quickstart's component. Once one has changed
    # the code (the quickstart test commits a change: the functions' asset is another), `make synth`.
    as_verified = git(component, env, "rev-list", "--count", "HEAD") == "1"
    if not as_verified or git(component, env, "status", "--porcelain"):
        make_in(component, env, "synth")
    assert_the_cli_synthesizes_what_make_synth_checked(component, env, quickstart.root / "cdk-cli.out")


@pytest.mark.slow
def test_the_readme_quickstart_works_as_written_on_a_new_laptop(quickstart: Quickstart) -> None:
    result, env, clone, tmp_path = quickstart.result, quickstart.env, quickstart.clone, quickstart.root
    template_head, component = quickstart.template_head, quickstart.component
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    for step in ("render (cookiecutter)", "make install", "make verify"):
        assert re.search(rf"^\s+{re.escape(step)}\s+ok\s", result.stdout, re.MULTILINE), step

    # Its own repository on main with one commit, inside the template's clone, which it leaves untouched.
    assert Path(git(component, env, "rev-parse", "--show-toplevel")) == component.resolve()
    assert git(component, env, "branch", "--show-current") == "main"
    assert git(component, env, "rev-list", "--count", "HEAD") == "1"
    assert git(component, env, "status", "--porcelain") == "", "verify leaves nothing .gitignore misses"
    assert git(clone, env, "rev-parse", "HEAD") == template_head.strip()
    assert git(clone, env, "status", "--porcelain") == "", "the template's clone is left as it was"

    # The next steps as printed, in a new process: no uv on PATH, nothing inherited from bootstrap.
    steps = next_steps(result.stdout)
    assert steps[0].startswith("cd ")
    assert {"make test-unit", "make hooks"} <= set(steps), steps
    # Git has no identity on the new laptop: the squad's first commit needs one, and the steps say how.
    assert identity_steps(result.stdout), steps
    followed = follow(steps, tmp_path, env)
    assert followed.returncode == 0, followed.stdout[-4000:] + followed.stderr[-4000:]
    assert re.search(r"\d+ passed", followed.stdout), followed.stdout[-2000:]
    assert (component / ".git" / "hooks" / "pre-commit").is_file()
    # The step with a placeholder, with a repository of the squad's: from here on the component has
    # `origin/main`, as every clone of it will, and the later tests' `make verify` runs with it.
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(origin)], env=env, check=True)
    [push] = [line.strip() for line in result.stdout.splitlines() if "<your repository>" in line]
    push = push.replace("<your repository>", shlex.quote(str(origin)))
    pushed = follow([f"cd {shlex.quote(str(component))}", push], tmp_path, env)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr

    # The hooks they installed run on the next commit, from the same uv-less shell.
    package = component / "src" / "inventory" / "__init__.py"
    package.write_text(package.read_text(encoding="utf-8") + "# Day one: the quickstart works.\n", "utf-8")
    commit = subprocess.run(
        ["git", "commit", "-am", "Say what"],
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


# Lines of the tools' own that a squad's first `./bootstrap.sh` printed on a new laptop, none of them
# about the component and none asking anything of the squad: npm's notice of a newer npm, and Python's
# note on an invalid escape in a docs plugin's source, shown once when it is first compiled.
TOOL_NOISE = re.compile(r"^npm (notice|warn)\b|DeprecationWarning|SyntaxWarning|^Traceback", re.MULTILINE)


@pytest.mark.slow
def test_the_quickstart_prints_nothing_the_squad_cannot_act_on(quickstart: Quickstart) -> None:
    assert quickstart.result.returncode == 0, "the quickstart failed: see its test"
    output = quickstart.result.stdout + quickstart.result.stderr
    noise = [line for line in output.splitlines() if TOOL_NOISE.search(line)]
    assert noise == [], "\n".join(noise)


@pytest.mark.slow
def test_two_squads_components_work_together_on_one_local_bus(quickstart: Quickstart) -> None:
    """Issue 13's proof: a consumer subscribes from the producer's contract; both pass `make lint test`
    (the producer in the quickstart's `make verify`); on one set of emulators a command to the producer
    ends in the consumer's projection under the producer's correlation id; the producer verifies the
    consumer's pact, and fails it, naming the field, once a released field is renamed."""
    assert quickstart.result.returncode == 0, "the quickstart failed: see its test"
    producer, env = quickstart.component, quickstart.env
    # The consumer squad's component, from the same clone: both tools write the same bytes.
    squad = quickstart.root / "pricing-squad"
    consumer = render_cookiecutter(PRICING, squad / "cookiecutter", template=str(quickstart.clone))
    by_copier = render_copier(PRICING, squad / "copier" / consumer.name, template=str(quickstart.clone))
    assert tree_differences(consumer, by_copier) == []

    def make(component: Path, *arguments: str) -> str:
        return make_in(component, env, *arguments)

    contract = producer / "docs" / "events" / "asyncapi.yaml"
    make(consumer, "install")
    # The producer's mypy cache, copied: its libraries' part, most of a first type check, holds for the
    # consumer too, and mypy checks each of the consumer's own modules against its file (same result).
    shutil.copytree(producer / ".mypy_cache", consumer / ".mypy_cache")
    subscribed = make(consumer, "subscribe", f"CONTRACT={contract}", f"EVENT={EVENT}", "VERSION=1")
    assert f"the consumer's rule now matches {EVENT} v1 from source example-org.inventory" in subscribed
    complete_the_projection(consumer)
    make(consumer, "docs")

    # The producer's local deploy starts (its synth beside the consumer's checks), then the consumer's
    # joins its emulators, as the component README says.
    producer_outputs, consumer_outputs = (
        producer / ".local" / "outputs.json",
        consumer / ".local" / "outputs.json",
    )
    producer_outputs.unlink(missing_ok=True)
    with running(["make", "local"], producer, env, squad / "producer-local.log") as producer_local:
        # Two at a time, as `make verify` runs them: mypy on one core, the emulator-bound tests beside it.
        make(consumer, "-j2", "--output-sync=target", "lint", "test")
        started(producer_local, producer_outputs, squad / "producer-local.log")
        joining = ["make", "local", f"JOIN={producer_outputs}"]
        with running(joining, consumer, env, squad / "consumer-local.log") as consumer_local:
            joined = started(consumer_local, consumer_outputs, squad / "consumer-local.log")
            local = {
                **env,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_REGION": "eu-west-2",
            }
            flow = subprocess.run(
                [
                    "scripts/uv",
                    "run",
                    "--locked",
                    "python",
                    "-c",
                    FLOW,
                    str(producer_outputs),
                    str(consumer_outputs),
                ],
                cwd=producer,
                env=local,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        # Ctrl-C interrupts make too (its own exit status says so); the deploy's log says how it ended.
        consumer_log = (squad / "consumer-local.log").read_text(encoding="utf-8")
        assert "stopping the local deploy" in consumer_log, consumer_log[-4000:]
        assert "Traceback" not in consumer_log, consumer_log[-4000:]
    producer_log = (squad / "producer-local.log").read_text(encoding="utf-8")
    assert "Traceback" not in producer_log, producer_log[-4000:]
    assert flow.returncode == 0, flow.stdout[-3000:] + flow.stderr[-3000:]
    seen = json.loads(flow.stdout.strip().splitlines()[-1])
    assert joined["Processes"] == {}, "the consumer's deploy started no emulator of its own"
    assert seen["entry"] is not None, f"{seen['identity']} never reached the consumer's projection"
    assert seen["entry"] == {"sequence": 1, "title": "Two squads", "price": 1500}
    # The consumer's logs carry the producer's correlation id: the API request's, through the event.
    applied = [r for r in json_lines(consumer_log) if r.get("message") == "event applied"]
    assert [r.get("correlation_id") for r in applied] == [seen["correlation_id"]], consumer_log[-3000:]
    assert "Imported buses, found on the emulators already: shared-dev" in consumer_log

    # The consumer's pact, written by its `make test`, names the producer; the producer verifies it from
    # the consumer's pacts/ folder, no broker between them.
    pact_file = consumer / "pacts" / "pricing-catalogue-inventory.json"
    pact = json.loads(pact_file.read_text(encoding="utf-8"))
    assert (pact["consumer"]["name"], pact["provider"]["name"]) == ("pricing-catalogue", PRODUCER)
    verify_pacts = ["make", "verify-pacts", f"PACT_SOURCES={consumer / 'pacts'}"]
    verified = make(producer, *verify_pacts[1:])
    assert re.search(r"\d+ passed", verified), verified[-2000:]

    # A breaking change in the producer, its own schema gate skipped (`make verify-pacts` runs only the
    # verification): the released field `title` renamed wherever the code says it.
    for path in (producer / "src").rglob("*.py"):
        path.write_text(re.sub(r"\btitle\b", "headline", path.read_text(encoding="utf-8")), encoding="utf-8")
    try:
        broken = subprocess.run(
            verify_pacts, cwd=producer, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    finally:
        subprocess.run(["git", "checkout", "--", "src"], cwd=producer, env=env, check=True)
    assert broken.returncode != 0, broken.stdout[-3000:]
    assert "a VehicleListed v1 event" in broken.stdout
    assert "Actual map is missing the following keys: title" in broken.stdout, broken.stdout[-3000:]


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
        return make_in(component, env, *targets)

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
    # Git's identity as the quickstart's next steps give it (the guide ends with a commit).
    given = follow(identity_steps(quickstart.result.stdout), component, env)
    assert given.returncode == 0, given.stderr
    performed = perform(guide, component, env)
    ran = [command for command, _ in performed]
    assert {"make new-event NAME=VehicleReserved VISIBILITY=public", "make verify"} <= set(ran), ran
    noise = [
        f"{command}: {line}"
        for command, printed in performed
        for line in printed.splitlines()
        if TOOL_NOISE.search(line)
    ]
    assert noise == [], "the guide's commands print what the squad cannot act on:\n" + "\n".join(noise)

    assert git(component, env, "branch", "--show-current") == "reserve-vehicle"
    assert git(component, env, "status", "--porcelain") == "", "the guide's commit holds every change"
    assert git(component, env, "log", "-1", "--format=%s") == "Reserve a Vehicle for a number of hours"

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

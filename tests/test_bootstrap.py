"""bootstrap.sh: its command line, and the full check of a rendered component (the slow tests).

The slow tests are the template's health check: render with a tool, `make install verify` in the
component (lint, types, every test, the synth gates, the local deploy and the end-to-end tests on it),
exactly what a squad's pull request runs. They cover every option off (with copier) and every option on
with the longest names (on the Node.js major the component's CI runs); the default answers (with
cookiecutter) are covered by tests/test_quickstart.py, which runs the README's quickstart as written.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from scripts.sync_questions import questions
from tests.cdk_cli import assert_the_cli_synthesizes_what_make_synth_checked
from tests.ci_java import JAVA_RELEASE, fetch_java
from tests.ci_node import ci_node_major, fetch_node, newest_node_major
from tests.ci_python import fetch_python, lambda_python
from tests.rendering import (
    ALL_OFF_OPTIONS,
    BIN,
    EVERY_OPTION_ON,
    GIT_2_25,
    LONGEST_NAMES,
    ROOT,
    follow,
    git_in_front,
    make_in,
    next_steps,
)

BOOTSTRAP = ROOT / "bootstrap.sh"


def bootstrap(
    *arguments: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = this_shell({"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"} | (env or {}))
    return subprocess.run(
        [str(BOOTSTRAP), *arguments], cwd=cwd, capture_output=True, text=True, env=environment, check=False
    )


def this_shell(env: dict[str, str]) -> dict[str, str]:
    """This process's environment with ``env`` over it, as `bootstrap` runs: the machine's settings
    (its certificate authorities, say, which the CLI's build of the dependencies layer needs)."""
    return {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"} | env


def git(component: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=component, capture_output=True, text=True, check=True
    ).stdout


def test_help_explains_every_option_and_every_question(tmp_path: Path) -> None:
    result = bootstrap("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--tool", "--output-dir", "--force", "--skip-verify", "--target", "--help"):
        assert option in result.stdout
    for name, spec in questions().items():
        assert name in result.stdout
        assert spec["help"] in result.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--bogus"], "unknown option '--bogus'"),
        (["--tool", "cruft"], "--tool must be cookiecutter or copier, not 'cruft'"),
        (["--tool"], "--tool needs a value"),
        (["--target", "staging"], "--target must be local or aws, not 'staging'"),
        (["inventory"], "'inventory' is neither an option nor a question=answer pair"),
    ],
)
def test_bad_usage_exits_2_with_a_message(arguments: list[str], message: str, tmp_path: Path) -> None:
    result = bootstrap(*arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_misspelt_question_is_refused_naming_the_closest_and_nothing_is_written(tmp_path: Path) -> None:
    # Both tools ignore an answer to a question they do not have: `agregate=Car` rendered the default
    # aggregate without a word.
    result = bootstrap("--skip-verify", "agregate=Car", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    names = ", ".join(questions())
    assert f"unknown question 'agregate' (did you mean 'aggregate'?); questions: {names}" in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == [], "nothing written"
    # A name nothing is close to gets the list alone.
    result = bootstrap("--skip-verify", "colour=blue", cwd=tmp_path)
    assert result.returncode == 2
    assert f"unknown question 'colour'; questions: {names}" in result.stderr, result.stderr


def test_every_question_is_taken_on_the_command_line() -> None:
    # Every question's name passes the check; the bad --tool after them then stops the script before
    # anything runs.
    answers = [f"{name}=x" for name in questions()]
    result = bootstrap(*answers, "--tool", "none", cwd=ROOT)
    assert result.returncode == 2
    assert "--tool must be cookiecutter or copier, not 'none'" in result.stderr, result.stderr
    assert "unknown question" not in result.stderr


def test_an_older_bash_stops_the_script_at_once_saying_what_to_install(tmp_path: Path) -> None:
    # bash before 4.4 (macOS ships 3.2) has no `inherit_errexit`. None runs here: the script runs in a
    # bash whose `shopt` is switched off (`enable -n`), so setting that option fails as it does there.
    result = subprocess.run(
        ["bash", "-c", 'enable -n shopt; . "$0"', str(BOOTSTRAP)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "bootstrap.sh needs bash 4.4 or later, this is bash " in result.stderr, result.stderr
    assert "brew install bash" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_started_by_another_shell_the_script_says_how_to_start_it(tmp_path: Path) -> None:
    # `sh bootstrap.sh`: Debian's and Ubuntu's sh is dash, which stopped at `set -o pipefail` ("Illegal
    # option") without saying why. Elsewhere (a Mac), zsh stands in: it has no BASH_VERSION either.
    shell = next((found for name in ("dash", "zsh", "ksh") if (found := shutil.which(name))), None)
    if shell is None:
        pytest.fail("no dash, zsh or ksh here: this test needs one of them (a shell other than bash)")
    result = subprocess.run(
        [shell, str(BOOTSTRAP), "--help"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "bootstrap.sh is a bash script: run it as ./bootstrap.sh" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("tool", ["cookiecutter", "copier"])
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("component_slug=../escape", "component_slug='../escape' is not valid; allowed:"),
        ("command_api=maybe", "command_api='maybe' is not valid; allowed: true / yes"),
    ],
)
def test_a_bad_answer_fails_the_render_step_with_its_message_alone_and_leaves_nothing(
    tool: str, answer: str, message: str, tmp_path: Path
) -> None:
    result = bootstrap("--tool", tool, "--output-dir", "out/components", answer, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert re.search(rf"render \({tool}\)\s+FAILED", result.stdout), result.stdout
    assert message in output
    # Copier prints a traceback of its own before the message; through the script the user sees the message.
    assert "Traceback" not in output, output
    assert "Nothing was written" in output or "nothing was written" in output
    assert list(tmp_path.iterdir()) == []


def test_an_older_make_stops_the_script_before_anything_is_rendered(tmp_path: Path) -> None:
    # No make older than 4.0 runs here (macOS ships 3.81): a stand-in gives this machine's make the
    # version and feature list make 3.81 reports, which is all the Makefiles' check reads.
    real_make = shutil.which("make")
    assert real_make is not None, "make is not on PATH"
    stand_in = tmp_path / "make-3.81"
    stand_in.mkdir()
    (stand_in / "make").write_text(
        "#!/bin/sh\n"
        f"exec {shlex.quote(real_make)} '.FEATURES=target-specific order-only second-expansion else-if"
        ' archives jobserver check-symlink\' MAKE_VERSION=3.81 "$@"\n',
        encoding="utf-8",
    )
    (stand_in / "make").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    path = os.pathsep.join([str(stand_in), str(BIN), os.environ["PATH"]])
    result = bootstrap("--output-dir", "out", "--skip-verify", cwd=work, env={"PATH": path})
    assert result.returncode == 1
    assert re.search(r"template tools\s+FAILED", result.stdout), result.stdout
    assert "GNU make 4.0 or later is needed, this is make 3.81" in result.stderr, result.stderr
    assert "brew install make" in result.stderr
    assert list(work.iterdir()) == [], "nothing rendered"


def test_an_older_git_stops_the_script_before_anything_is_rendered(tmp_path: Path) -> None:
    # No git older than 2.28 runs here: a stand-in in front of the real one says it is 2.25 (which has no
    # `git init --initial-branch`), all the Makefile's check reads.
    work = tmp_path / "work"
    work.mkdir()
    path = os.pathsep.join([str(git_in_front(tmp_path / "old-git", GIT_2_25)), str(BIN), os.environ["PATH"]])
    result = bootstrap("--output-dir", "out", "--skip-verify", cwd=work, env={"PATH": path})
    assert result.returncode == 1
    assert re.search(r"template tools\s+FAILED", result.stdout), result.stdout
    assert "git 2.28 or later is needed, this is git 2.25.1: update git" in result.stderr, result.stderr
    assert list(work.iterdir()) == [], "nothing rendered"


def template_make_only(folder: Path) -> Path:
    """A folder with a `make` that runs the template's targets (bootstrap's "template tools") and none
    of the component's: its install is not needed to read the next steps and follow their git lines."""
    real_make = shutil.which("make")
    assert real_make is not None, "make is not on PATH"
    folder.mkdir()
    (folder / "make").write_text(
        "#!/bin/sh\n"
        'directory=. previous=""\n'
        'for argument in "$@"; do [ "$previous" = -C ] && directory=$argument; previous=$argument; done\n'
        f'[ -f "$directory/cookiecutter.json" ] && exec {shlex.quote(real_make)} "$@"\n'
        'echo "make $*: not run by this test"\n',
        encoding="utf-8",
    )
    (folder / "make").chmod(0o755)
    return folder


def test_in_a_monorepo_the_next_steps_commit_the_component_there_and_leave_out_make_hooks(
    tmp_path: Path,
) -> None:
    # own_repository=false: `make hooks` put a hook in the monorepo's .git that failed every commit there
    # (template ADR 0009), and there is no remote of the component's own to push to.
    monorepo = tmp_path / "mono"
    monorepo.mkdir()
    git(monorepo, "init", "--quiet", "--initial-branch=main")
    identity = ["-c", "user.name=Squad", "-c", "user.email=squad@localhost"]
    git(monorepo, *identity, "commit", "--quiet", "--allow-empty", "-m", "Monorepo")
    (tmp_path / "gitconfig").write_text("", encoding="utf-8")
    path = os.pathsep.join([str(template_make_only(tmp_path / "make")), str(BIN), os.environ["PATH"]])
    env = {"PATH": path, "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
    services = monorepo / "services"
    result = bootstrap(
        "--skip-verify", "--output-dir", str(services), "own_repository=false", "component_name=Fleet",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    printed = result.stdout.split("Next steps:", 1)[1]
    steps = next_steps(result.stdout)
    assert "make hooks" not in steps, printed
    assert "git remote" not in printed, printed
    assert "git push" not in printed, printed
    assert f"in the repository at {monorepo}" in printed, printed
    # They work as printed (but for the component's targets): the component is committed in the monorepo.
    followed = follow([step for step in steps if not step.startswith("make ")], tmp_path, this_shell(env))
    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert (
        git(monorepo, "log", "-1", "--format=%s").strip() == "Add fleet from the backend component template"
    )
    assert "services/fleet/Makefile" in git(monorepo, "ls-files").splitlines()
    assert git(monorepo, "status", "--porcelain") == ""
    assert not (monorepo / ".git" / "hooks" / "pre-commit").exists()
    # A component of its own, in the same folder: its hooks, and its remote to push to.
    result = bootstrap(
        "--skip-verify", "--output-dir", str(services), "component_name=Own", cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    printed = result.stdout.split("Next steps:", 1)[1]
    assert "make hooks" in next_steps(result.stdout), printed
    assert "git remote add origin <your repository> && git push -u origin main" in printed, printed


def test_make_clean_keeps_the_components_in_build_unless_asked_by_name(tmp_path: Path) -> None:
    # build/ is where the quickstart puts the squad's component: a repository of its own, perhaps with
    # an onboarding branch never pushed. `make clean` removed it without a word.
    template = tmp_path / "template"
    template.mkdir()
    shutil.copy2(ROOT / "Makefile", template / "Makefile")
    for made in (".venv/bin/python", ".ruff_cache/x", "build/inventory/.git/HEAD"):
        (template / made).parent.mkdir(parents=True, exist_ok=True)
        (template / made).write_text("x", encoding="utf-8")
    cleaned = make_in(template, this_shell({}), "--no-print-directory", "clean")
    assert not (template / ".venv").exists()
    assert not (template / ".ruff_cache").exists()
    assert (template / "build" / "inventory" / ".git" / "HEAD").is_file(), "the component's history is kept"
    assert "make clean CLEAN_BUILD=1 removes it" in cleaned, cleaned
    helped = make_in(template, this_shell({}), "--no-print-directory", "help")
    assert "only with CLEAN_BUILD=1" in helped, helped
    make_in(template, this_shell({}), "--no-print-directory", "clean", "CLEAN_BUILD=1")
    assert not (template / "build").exists()


def as_arguments(answers: Mapping[str, object]) -> list[str]:
    return [
        f"{name}={str(value).lower() if isinstance(value, bool) else value}"
        for name, value in answers.items()
    ]


def shared_mypy_cache(mypy_cache: Path) -> dict[str, str]:
    """The worker's mypy cache (tests/conftest.py) for the component's `make verify`: only the type check
    of its libraries is saved, the result is the same."""
    return {"MYPY_CACHE_DIR": str(mypy_cache)}


def assert_verified(result: subprocess.CompletedProcess[str], tool: str) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    for step in (f"render ({tool})", "make install", "make verify"):
        assert any(line.strip().startswith(step) and " ok " in line for line in result.stdout.splitlines()), (
            step
        )


# The two full checks run one after the other on one worker: the second type-checks against the mypy
# cache the first filled (most of a cold `make verify` on two cores), and the quickstart's full checks
# take the other worker meanwhile.
FULL_CHECKS = pytest.mark.xdist_group("bootstrap-full-checks")


@pytest.mark.slow
@FULL_CHECKS
def test_every_option_on_with_the_longest_names_passes_verify_on_the_ci_s_node_and_lambda_s_python(
    tmp_path: Path, mypy_cache: Path
) -> None:
    # Every option on: the JWT authoriser in front of the API, the consumer on a FIFO queue, through
    # every test, the end-to-end tests on the local deploy included (tokens signed by its own key). And
    # every name at the longest the rules allow: they reach the code's formatting, the resource names
    # (within their limits, which the synth gates hold), the documents and the secret scan. On the
    # Node.js major the component's CI runs (the other full checks run on this machine's own Node).
    major = ci_node_major()
    node = fetch_node(major, tmp_path / "node")
    path = os.pathsep.join((str(node), str(BIN), os.environ["PATH"]))
    env = {**shared_mypy_cache(mypy_cache), "PATH": path}
    found = subprocess.run(["node", "--version"], env=env, capture_output=True, text=True, check=True)
    assert found.stdout.startswith(f"v{major}."), found.stdout
    answers = {**LONGEST_NAMES, **EVERY_OPTION_ON}
    result = bootstrap("--output-dir", str(tmp_path / "out"), *as_arguments(answers), cwd=tmp_path, env=env)
    assert_verified(result, "cookiecutter")
    component = tmp_path / "out" / str(LONGEST_NAMES["component_slug"])
    package = component / "src" / str(LONGEST_NAMES["package_name"])
    assert "SqsFifoPartialProcessor" in (package / "handlers" / "consumer.py").read_text(encoding="utf-8")
    assert (package / "handlers" / "authorizer.py").is_file()
    assert git(component, "status", "--porcelain") == ""
    # What `make deploy` would deploy, with every option, is the stack `make verify` checked.
    assert_the_cli_synthesizes_what_make_synth_checked(component, this_shell(env), tmp_path / "cdk-cli.out")
    # The functions run on the Lambda runtime's Python (3.13), the tools on .python-version's (3.11): in a
    # .venv made with the runtime's Python, what the component's CI `lambda-runtime` job runs there, as it
    # runs it: the unit and integration tests (every handler against the emulators), then `make layer`.
    # Not the tools' checks (formatting, lint and types against 3.11 whatever runs them, the documents, the
    # contract commands, the synth and its gates, the local deploy): squads run those on 3.11 only, and
    # `make verify` above ran them there (template ADR 14).
    version = lambda_python(component)
    python = fetch_python(version, tmp_path / "python")
    # Moved out of the way, not deleted: on this machine's disk every file created in the minutes after
    # 40,000 are deleted is slower (docs/benchmarks.md, the suite), and the new .venv comes next.
    (component / ".venv").rename(tmp_path / "venv-of-the-tools-python")
    path = os.pathsep.join((str(python.parent), env["PATH"]))
    environment = this_shell(env | {"UV_PYTHON": str(python), "PATH": path})
    ran = make_in(component, environment, "-j2", "--output-sync=target", "test-unit", "test-integration")
    assert len(re.findall(r"^=+ \d+ passed in ", ran, re.MULTILINE)) == 2, ran
    used = subprocess.run(
        [str(component / ".venv" / "bin" / "python"), "--version"], capture_output=True, text=True, check=True
    )
    assert used.stdout.startswith(f"Python {version}."), used.stdout
    # And CI's lambda-runtime job's `make layer`: the dependencies layer a deploy uploads, built from
    # uv.lock and checked, then a build for this machine with every handler (all four here) imported on
    # it by the runtime's Python, the layer read-only, nothing compiled at import.
    layered = make_in(component, environment, "--no-print-directory", "layer")
    assert "imported 4 handlers" in layered, layered
    assert git(component, "status", "--porcelain") == ""


@pytest.mark.slow
@FULL_CHECKS
def test_all_options_off_component_passes_verify_with_copier_on_the_newest_java_and_node(
    tmp_path: Path, mypy_cache: Path
) -> None:
    # A space in the component's path, as a laptop's folders can have: every target and test of the
    # component works there too (one test once split /proc/<pid>/maps lines on spaces). On the newest
    # Java and Node.js releases, as a new laptop has: the other full checks run DynamoDB Local on this
    # machine's Java 17, and the Node of this machine (20) and of CI (24). On that Node, jsii (the CDK's
    # runtime) would warn on every synth that it was not tested there; the component silences it.
    java = fetch_java(tmp_path / "java")
    major = newest_node_major()
    node = fetch_node(major, tmp_path / "node")
    path = os.pathsep.join((str(java), str(node), str(BIN), os.environ["PATH"]))
    env = {**shared_mypy_cache(mypy_cache), "PATH": path}
    found = subprocess.run(["java", "-version"], env=env, capture_output=True, text=True, check=True)
    assert f'version "{JAVA_RELEASE}.' in found.stderr, found.stderr
    found = subprocess.run(["node", "--version"], env=env, capture_output=True, text=True, check=True)
    assert found.stdout.startswith(f"v{major}."), found.stdout
    output = tmp_path / "squad components"
    result = bootstrap(
        "--tool",
        "copier",
        "--output-dir",
        str(output),
        *as_arguments(ALL_OFF_OPTIONS),
        cwd=tmp_path,
        env=env,
    )
    assert_verified(result, "copier")
    assert "not been tested" not in result.stdout + result.stderr
    component = output / "inventory"
    assert not (component / "src" / "inventory" / "handlers" / "api.py").exists()
    # `npx cdk diff` and `make deploy`'s CLI run the app through cdk.json: silenced there too.
    assert_the_cli_synthesizes_what_make_synth_checked(component, this_shell(env), tmp_path / "cdk-cli.out")
    assert (component / ".copier-answers.yml").is_file()
    assert git(component, "status", "--porcelain") == ""
    # Moved after its install and `make hooks` (out of the template clone's build/, say), it still
    # works: its .venv is relocatable and its hook runs pre-commit through scripts/uv. Before, every
    # target failed with "No module named" and every commit with "`pre-commit` not found".
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}

    def run(command: list[str], cwd: Path) -> str:
        done = subprocess.run(
            command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout + done.stderr

    run(["make", "--no-print-directory", "hooks"], component)
    moved = tmp_path / "elsewhere" / "inventory"
    moved.parent.mkdir()
    component.rename(moved)
    run(["make", "--no-print-directory", "test-unit"], moved)
    with (moved / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\nMoved out of the template's build folder.\n")
    identity = ["-c", "user.name=Squad", "-c", "user.email=squad@localhost"]
    committed = run(["git", *identity, "commit", "--quiet", "-am", "Move the component"], moved)
    assert re.search(r"^detect-secrets.*Passed$", committed, re.MULTILINE), committed


@pytest.mark.slow
def test_an_existing_component_is_kept_unless_forced(tmp_path: Path) -> None:
    first = bootstrap("--output-dir", str(tmp_path), "--skip-verify", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    marker = tmp_path / "inventory" / "KEEP"
    marker.write_text("squad work", encoding="utf-8")
    again = bootstrap("--output-dir", str(tmp_path), "--skip-verify", cwd=tmp_path)
    assert again.returncode == 1
    assert "already exists; use --force" in again.stderr
    assert marker.read_text(encoding="utf-8") == "squad work"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["inventory"]
    forced = bootstrap("--output-dir", str(tmp_path), "--skip-verify", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert not marker.exists()


def readme_example() -> list[str]:
    """The arguments of the README's example of answers on bootstrap's command line."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = [line for line in readme.splitlines() if line.startswith("./bootstrap.sh --tool ")]
    assert len(examples) == 1, f"the README shows one such example: {examples}"
    return shlex.split(examples[0])[1:]


def test_the_readmes_example_answers_render_the_component_they_describe(tmp_path: Path) -> None:
    # Its answers and tool as the README prints them; --skip-verify (render, first commit, install) keeps
    # this cheap: a full check of a copier render runs in the all-off test above.
    done = bootstrap(*readme_example(), "--skip-verify", "--output-dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (component,) = tmp_path.iterdir()
    assert component.name == "vehicle-pricing"
    answers = yaml.safe_load((component / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (answers["component_name"], answers["aggregate"]) == ("Vehicle Pricing", "PriceQuote")
    assert answers["consumer"] is False
    package = component / "src" / "vehicle_pricing"
    assert (package / "domain" / "price_quote.py").is_file()
    assert not (package / "handlers" / "consumer.py").exists()
    assert git(component, "log", "--format=%s").strip().startswith("Render vehicle-pricing")


@pytest.mark.slow
def test_an_aws_deploy_that_fails_is_still_destroyed(tmp_path: Path) -> None:
    # No AWS account is reachable here: the deploy fails, and the stack is destroyed all the same.
    offline = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SESSION_TOKEN": "",
        "AWS_PROFILE": "",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = bootstrap(
        "--output-dir", str(tmp_path), "--skip-verify", "--target", "aws", cwd=tmp_path, env=offline
    )
    assert result.returncode == 1
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert any(line.startswith("make deploy") and "FAILED" in line for line in lines), result.stdout
    assert any(line.startswith("make destroy") for line in lines), result.stdout
    assert not any(line.startswith("make e2e") for line in lines), result.stdout
    # Each says why at once, before installing the Node tools or synthesizing anything.
    output = result.stdout + result.stderr
    assert "make deploy: your AWS credentials cannot be read" in output, output[-3000:]
    assert "make destroy: your AWS credentials cannot be read" in output, output[-3000:]

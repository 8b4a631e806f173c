"""Render, first-loop and synth benchmarks, each measured side by side with its baseline in one run.

    make bench                                   # every table
    uv run python -m tests.bench_render --rounds 7 --loop-rounds 2
    uv run python -m tests.bench_render --rounds 1 --loop-rounds 1 --cold   # downloads about 1 GB
    uv run python -m tests.bench_render --rounds 3 --loop-rounds 0 --synth-rounds 0  # renders only

Render: the median wall time of a default render with each tool's real command line, post-generation
step (first commit) included, beside each tool's floor: the same files in a template that copies them
and renders nothing, no hooks (what the tool costs for this many files), and each tool's render of a
one-file template (its start-up; copier's in a git repository, as this template is, which copier clones).
Each row's ratio is to its own baseline; rounds alternate between the six, so machine noise falls on all
alike. The machine's speed is printed first, and how
fast new files are created where the renders go and in the temporary folder.

Where: every render and component goes into a scratch folder under build/ in this clone, where
./bootstrap.sh renders a squad's component (`--where` chooses another). On the reference machine the
disk creates files several times slower for minutes after many were deleted nearby, and the tools'
seconds follow: the probe says which state a run met (docs/benchmarks.md).

First loop: render, `make install`, `make test-unit` in the new component (warm uv and npm caches, uv
on PATH as bootstrap.sh leaves it), beside the same loop as the component installed before the
install became lazy (`uv sync --locked --compile-bytecode` and `npm ci` up front). Then the next
`make test-unit` in one component, with the bytecode its first run kept, beside every module compiled
from source again.

Synth: `make synth` in a default component, warm, beside the CDK CLI's recipe for the same checks
(`cdk synth` per stage, then the component's cfn-lint rules), alternating.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import copier
from copier import _main as copier_main

from hooks import answers
from tests.cdk_cli import with_the_lambda_runtimes_python
from tests.machine import described, described_folders, seconds_for_additions
from tests.rendering import (
    BIN,
    ROOT,
    cookiecutter_config,
    render_cookiecutter,
    render_copier,
    tool_environment,
)

ONE_FILE_TEMPLATE = {
    "cookiecutter.json": '{"project_slug": "one-file"}\n',
    "{{cookiecutter.project_slug}}/README.md": "# {{ cookiecutter.project_slug }}\n",
}
# The same for copier, in a git repository as this template is (copier clones it and reads its version).
ONE_FILE_COPIER_TEMPLATE = {
    "copier.yml": "project_slug:\n  type: str\n  default: one-file\n",
    "README.md.jinja": "# {{ project_slug }}\n",
}


def one_file_template(root: Path, files: dict[str, str] = ONE_FILE_TEMPLATE) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def committed(folder: Path) -> Path:
    """``folder`` as a git repository with everything in it committed, on ``main``."""
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false"]
    for command in (
        ["init", "--quiet", "-b", "main"],
        ["add", "--all"],
        [*identity, "commit", "--quiet", "-m", "copy"],
    ):
        subprocess.run(["git", *command], cwd=folder, capture_output=True, check=True)
    return folder


def render_one_file(template: Path, output: Path) -> None:
    command = [str(BIN / "cookiecutter"), "--config-file", str(cookiecutter_config()), "--no-input"]
    subprocess.run([*command, str(template), "--output-dir", str(output)], env=tool_environment(), check=True)


def copied_templates(root: Path) -> tuple[Path, Path]:
    """Each tool's floor for this component: its files, as a default render writes them, in a template
    that copies them and renders nothing (cookiecutter's `_copy_without_render`, copier's templates
    suffix that no file has), with neither hooks nor tasks. What the tool costs for this many files."""
    rendered = render_cookiecutter({}, root / "rendered")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=rendered, capture_output=True, check=True)
    files = [name for name in listed.stdout.decode().split("\0") if name]
    by_cookiecutter, by_copier = root / "copied-cookiecutter", root / "copied-copier"
    for body in (by_cookiecutter / "{{cookiecutter.slug}}", by_copier / "template"):
        for name in files:
            (body / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(rendered / name, body / name)
    (by_cookiecutter / "cookiecutter.json").write_text(
        json.dumps({"slug": rendered.name, "_copy_without_render": ["*"]}), encoding="utf-8"
    )
    (by_copier / "copier.yml").write_text(
        "_subdirectory: template\n_templates_suffix: .jinja\n"
        f"slug:\n  type: str\n  default: {rendered.name}\n",
        encoding="utf-8",
    )
    return by_cookiecutter, committed(by_copier)


def table(title: str, timings: dict[str, list[float]], baselines: dict[str, str]) -> None:
    """One row per measurement; its ratio to the row ``baselines`` names for it (itself when none)."""
    print(f"\n{title} (seconds)")
    print(f"| {'what':<40} | {'median':>7} | {'min':>7} | {'max':>7} | {'ratio':>6} | {'to':<40} |")
    print(f"|{'-' * 42}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 42}|")
    for name, samples in timings.items():
        baseline = baselines.get(name, name)
        median = statistics.median(samples)
        ratio = median / statistics.median(timings[baseline])
        cells = f"{median:7.2f} | {min(samples):7.2f} | {max(samples):7.2f} | {ratio:6.2f}"
        print(f"| {name:<40} | {cells} | {baseline if baseline != name else '':<40} |")


ONE_FILE = "one-file template, cookiecutter"
ONE_FILE_COPIER = "one-file template, copier"
COPIED_COOKIECUTTER = "its files copied, cookiecutter (floor)"
COPIED_COPIER = "its files copied, copier (floor)"
BY_COOKIECUTTER = "this template, cookiecutter"
BY_COPIER = "this template, copier"
# Each render beside what the tool takes anyway: its own start-up (the one-file template), and writing
# this many files without rendering one (the floors). The goal is on the rows of this template.
RENDER_BASELINES = {
    COPIED_COOKIECUTTER: ONE_FILE,
    BY_COOKIECUTTER: COPIED_COOKIECUTTER,
    BY_COPIER: COPIED_COPIER,
}


def against_one_file(renders: dict[str, list[float]]) -> str:
    """Each tool's render of this template as a multiple of cookiecutter's one-file render (the issue's
    yardstick: a plain render of the smallest template, start-up included), then what it takes above
    the same tool's one-file render: the share of a render this template's size and rules decide."""
    one_file = statistics.median(renders[ONE_FILE])
    ratios = ", ".join(
        f"{name.rpartition(', ')[2]} {statistics.median(renders[name]) / one_file:.2f}x"
        for name in (BY_COOKIECUTTER, BY_COPIER)
    )
    medians = {name: statistics.median(samples) for name, samples in renders.items()}
    above = ", ".join(
        f"{name.rpartition(', ')[2]} {medians[name] - medians[own]:+.2f} s ({medians[own]:.2f} s its own)"
        for name, own in ((BY_COOKIECUTTER, ONE_FILE), (BY_COPIER, ONE_FILE_COPIER))
    )
    return f"this template against the one-file template: {ratios}; above the tool's one-file render: {above}"


def measure_renders(rounds: int, where: Path) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="bench-one-file-", dir=where) as scratch:
        template = one_file_template(Path(scratch) / "one-file")
        for_copier = committed(one_file_template(Path(scratch) / "one-file-copier", ONE_FILE_COPIER_TEMPLATE))
        by_cookiecutter, by_copier = copied_templates(Path(scratch))
        renders: dict[str, Callable[[Path], object]] = {
            ONE_FILE: lambda out: render_one_file(template, out),
            COPIED_COOKIECUTTER: lambda out: render_one_file(by_cookiecutter, out),
            BY_COOKIECUTTER: lambda out: render_cookiecutter({}, out),
            ONE_FILE_COPIER: lambda out: render_copier({}, out / "component", template=str(for_copier)),
            COPIED_COPIER: lambda out: render_copier({}, out / "component", template=str(by_copier)),
            BY_COPIER: lambda out: render_copier({}, out / "component"),
        }
        timings: dict[str, list[float]] = {name: [] for name in renders}
        # Every render stays until the table is done: on the reference machine's disk, deleting a few
        # renders' files slows the creation of new ones for minutes (the probe: 3 ms, then 16 to 19 ms
        # from ten seconds after), so a render deleted between rounds slowed the next ones. A squad's
        # render follows no such clean-up.
        for round_number in range(rounds):
            for row, (name, render) in enumerate(renders.items()):
                output = Path(scratch) / "renders" / f"{round_number}-{row}"
                output.mkdir(parents=True)
                started = time.perf_counter()
                render(output)
                timings[name].append(time.perf_counter() - started)
    return timings


# Copier's methods the answer rules change in a render (hooks/answers.py, template ADR 10).
COPIER_CHANGED = answers.COPIER_WORKER_CHANGES


def copiers_own(name: str) -> object:
    """Copier's attribute as it ships, also after a render in this process changed it."""
    return answers.as_shipped(vars(copier_main.Worker)[name])


def copier_share(rounds: int, where: Path) -> str:
    """What the template's changes to copier's methods take off a default render, in one line.

    Copier 9.15 and later run `git config --get core.fileMode` in the destination after writing each
    file (for `copier update` where the mode bit is ignored), and every copier builds its whole render
    context for each part of each path and the answers file's name, plain names too. This template's
    answer rules have each render ask git once and hand plain names back as they are (hooks/answers.py,
    template ADR 10). Renders in this process, alternating, as copier ships (a release the rules leave
    alone) and as the template runs it, without the template's task in either (the step's output would
    interleave the table; it runs in copier's process now, about 30 ms: the render table has it). The
    floors, which load no extension, render as copier ships.
    """
    released = copier.__version__
    shipped = {name: copiers_own(name) for name in COPIER_CHANGED}
    build_context = copier_main.Worker._render_context
    counts = {"git": 0, "contexts": 0}

    def counted_git(worker: copier_main.Worker, dst_relpath: Path, src_mode: int) -> None:
        counts["git"] += 1
        shipped["_sync_git_index_executable_bit"](worker, dst_relpath, src_mode)  # type: ignore[operator]

    def counted_context(worker: copier_main.Worker) -> object:
        counts["contexts"] += 1
        return build_context(worker)

    timings: dict[str, list[float]] = {"as copier ships it": [], "as the template runs it": []}
    per_render: dict[str, list[int]] = {name: [] for name in timings}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-copier-", dir=where) as scratch:
            for round_number in range(rounds):
                for row, name in enumerate(timings):
                    for attribute, own in shipped.items():
                        setattr(copier_main.Worker, attribute, own)
                    # A release the answer rules were not read for stays as it ships.
                    copier.__version__ = "0.0.0" if row == 0 else released
                    counting: dict[str, Callable[..., object]] = {"_render_context": counted_context}
                    if row == 0:  # as it ships, counted; the template's render asks git once itself
                        counting["_sync_git_index_executable_bit"] = counted_git
                    for attribute, method in counting.items():
                        setattr(copier_main.Worker, attribute, method)
                    counts.update(git=0, contexts=0)
                    started = time.perf_counter()
                    copier.run_copy(
                        str(ROOT),
                        str(Path(scratch) / f"{round_number}-{row}" / "inventory"),
                        defaults=True,
                        unsafe=True,
                        quiet=True,
                        vcs_ref="HEAD",
                        skip_tasks=True,  # the same in both; here its output would interleave the table
                    )
                    timings[name].append(time.perf_counter() - started)
                    per_render[name] = [counts["git"], counts["contexts"]]
    finally:
        copier.__version__ = released
        setattr(copier_main.Worker, "_render_context", build_context)  # noqa: B010 - as the others
        for attribute, own in shipped.items():
            setattr(copier_main.Worker, attribute, own)
    as_shipped, as_run = (statistics.median(samples) for samples in timings.values())
    (git_calls, contexts), (_, contexts_as_run) = per_render.values()
    return (
        f"copier {released} in process: {as_shipped:.2f} s a render as it ships, {as_run:.2f} s as the"
        f" template runs it ({as_shipped - as_run:.2f} s less, {(as_shipped - as_run) / as_shipped:.0%});"
        f" `git config` processes {git_calls} -> 1, render contexts built {contexts} -> {contexts_as_run}"
    )


def component_environment(caches: Path | None) -> dict[str, str]:
    env = {key: value for key, value in tool_environment().items() if key != "VIRTUAL_ENV"}
    env["COMPONENT_NEXT_STEPS"] = "off"
    if caches is not None:  # Empty uv and npm caches: everything is downloaded again.
        env["UV_CACHE_DIR"] = str(caches / "uv")
        env["npm_config_cache"] = str(caches / "npm")
    return env


BEFORE_INSTALL, AFTER_INSTALL = "before: sync with bytecode, npm ci", "now: make install"
BEFORE_BYTECODE, AFTER_BYTECODE = "before: compiled on every run", "now: bytecode kept"


def first_loop(install: list[list[str]], cold: bool, where: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-loop-", dir=where) as scratch:
        env = component_environment(Path(scratch) / "caches" if cold else None)
        started = time.perf_counter()
        component = render_cookiecutter({}, Path(scratch) / "out")
        for command in [*install, ["make", "--no-print-directory", "test-unit"]]:
            subprocess.run(command, cwd=component, env=env, check=True, capture_output=True)
        return time.perf_counter() - started


def measure_first_loop(rounds: int, cold: bool, where: Path) -> dict[str, list[float]]:
    loops = {
        BEFORE_INSTALL: [
            ["uv", "sync", "--locked", "--compile-bytecode", "--quiet"],
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        ],
        AFTER_INSTALL: [["make", "--no-print-directory", "install"]],
    }
    timings: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(rounds):
        for name, install in loops.items():
            timings[name].append(first_loop(install, cold, where))
    return timings


def measure_next_loop(rounds: int, where: Path) -> dict[str, list[float]]:
    """`make test-unit` again in one installed component, as a squad runs it between edits: with the
    bytecode its first run wrote, beside every module compiled from source, as each run was where
    PYTHONDONTWRITEBYTECODE is set before the Makefile cleared it (a cache folder of its own that stays
    empty: Python neither finds nor writes bytecode)."""
    with tempfile.TemporaryDirectory(prefix="bench-next-", dir=where) as scratch:
        env = component_environment(None)
        component = render_cookiecutter({}, Path(scratch) / "out")
        test_unit = ["make", "--no-print-directory", "test-unit"]
        for command in (["make", "--no-print-directory", "install"], test_unit):
            subprocess.run(command, cwd=component, env=env, check=True, capture_output=True)
        from_source = {**env, "PYTHONPYCACHEPREFIX": str(Path(scratch) / "no-bytecode")}
        runs = {
            BEFORE_BYTECODE: ([*test_unit, "PYTHONDONTWRITEBYTECODE=1"], from_source),
            AFTER_BYTECODE: (test_unit, env),
        }
        timings: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(rounds):
            for name, (command, environment) in runs.items():
                started = time.perf_counter()
                subprocess.run(command, cwd=component, env=environment, check=True, capture_output=True)
                timings[name].append(time.perf_counter() - started)
    return timings


CLI_SYNTH, MAKE_SYNTH = "the CDK CLI per stage, then cfn-lint", "make synth"


def measure_synth(rounds: int, where: Path) -> dict[str, list[float]]:
    """`make synth` (both stages in one process, cdk-nag, then cfn-lint with the component's rules) in a
    default component, warm (its first synth, which writes the bytecode, not timed), beside the recipe
    the CDK's documentation leads to: `cdk synth` for each stage, then the same cfn-lint rules."""
    with tempfile.TemporaryDirectory(prefix="bench-synth-", dir=where) as scratch:
        env = component_environment(None)
        component = render_cookiecutter({}, Path(scratch) / "out")
        make_synth = ["make", "--no-print-directory", "synth"]
        node_tools = ["make", "--no-print-directory", "node_modules/.package-lock.json"]  # the CDK CLI
        for command in (["make", "--no-print-directory", "install"], node_tools, make_synth):
            subprocess.run(command, cwd=component, env=env, check=True, capture_output=True)
        # The stages `make synth` wrote, one folder each: the CLI synthesizes the same.
        stages = sorted(path.name for path in (component / "cdk.out").iterdir() if path.is_dir())
        out = Path(scratch) / "cli.out"
        cli = [
            *(
                ["npx", "cdk", "synth", "-c", f"stage={stage}", "-o", str(out / stage), "--quiet"]
                for stage in stages
            ),
            ["scripts/uv", "run", "--locked", "python", "-m", "infra.lint", *(str(out / s) for s in stages)],
        ]
        recipes = {CLI_SYNTH: cli, MAKE_SYNTH: [make_synth]}
        # The CLI bundles the dependencies layer, which needs the runtime's Python; it reuses a layer
        # already in its output folder, as it does in a squad's cdk.out from the second synth on. So the
        # layer is built once here, untimed, and put back before each round: both sides synthesize.
        env = with_the_lambda_runtimes_python(component, env, Path(scratch) / "python")
        for command in cli[:-1]:
            subprocess.run(command, cwd=component, env=env, check=True, capture_output=True)
        layers = {
            stage: [asset for asset in (out / stage).glob("asset.*") if (asset / "python").is_dir()]
            for stage in stages
        }
        seed = Path(scratch) / "layers"
        shutil.move(out, seed)
        timings: dict[str, list[float]] = {name: [] for name in recipes}
        for _ in range(rounds):
            for name, commands in recipes.items():
                shutil.rmtree(out, ignore_errors=True)
                for stage, assets in layers.items():
                    for asset in assets:
                        shutil.copytree(seed / stage / asset.name, out / stage / asset.name, symlinks=True)
                started = time.perf_counter()
                for command in commands:
                    subprocess.run(command, cwd=component, env=env, check=True, capture_output=True)
                timings[name].append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="renders per row (default: 7)")
    parser.add_argument(
        "--loop-rounds", type=int, default=2, help="first loops per row (default: 2; 0 skips)"
    )
    parser.add_argument("--cold", action="store_true", help="first loops with empty uv and npm caches")
    parser.add_argument("--synth-rounds", type=int, default=2, help="synths per row (default: 2; 0 skips)")
    parser.add_argument(
        "--where",
        type=Path,
        default=ROOT / "build",
        help="the folder every render and component goes into (default: build/ in this clone, where"
        " ./bootstrap.sh renders; --where /tmp measures the system's temporary folder instead)",
    )
    args = parser.parse_args()
    where = args.where.resolve()
    where.mkdir(parents=True, exist_ok=True)
    # First, on an idle machine: the figures that let this run's timings be read beside another day's,
    # and beside a run in another folder (the tools' own scratch files stay in the temporary folder).
    print(described(seconds_for_additions()))
    print(
        described_folders(
            {f"in {where} (the renders)": where, "in the temporary folder": Path(tempfile.gettempdir())}
        )
    )
    compiled = any((BIN.parent / "lib").glob("python3*/site-packages/cookiecutter/__pycache__/*.pyc"))
    pyc = "with" if compiled else "without"
    renders = measure_renders(args.rounds, where)
    table(
        f"Default render, {args.rounds} rounds alternating, template tools {pyc} .pyc, Jinja cache warm",
        renders,
        RENDER_BASELINES,
    )
    print(against_one_file(renders))
    print(copier_share(args.rounds, where))
    if args.loop_rounds:
        table(
            f"Render -> install -> green unit tests, {'empty' if args.cold else 'warm'} caches,"
            f" {args.loop_rounds} rounds alternating",
            measure_first_loop(args.loop_rounds, args.cold, where),
            {AFTER_INSTALL: BEFORE_INSTALL},
        )
        table(
            f"The next make test-unit in the same component, {args.loop_rounds} rounds alternating",
            measure_next_loop(args.loop_rounds, where),
            {AFTER_BYTECODE: BEFORE_BYTECODE},
        )
    if args.synth_rounds:
        table(
            f"Synth of both stages with cdk-nag and cfn-lint, warm, {args.synth_rounds} rounds alternating",
            measure_synth(args.synth_rounds, where),
            {MAKE_SYNTH: CLI_SYNTH},
        )


if __name__ == "__main__":
    main()

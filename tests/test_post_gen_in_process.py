"""Cookiecutter and copier run the post-generation step in their own process, as a new Python would.

The answer rules (``hooks/answers.py``) run a script that carries ``IN_THE_TOOLS_PROCESS`` (this
template's post-generation step) in the tool's process instead of a new Python: cookiecutter's hook, and
copier's task that runs copier's own Python on it. Shown with the real tools, in this process: a default
render starts no Python and still makes its first commit; an unread release starts one; a step that ends
well, stops with a message or a status, or fails with an exception ends the render as it does in a new
Python, and one without the line still runs in a new Python.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cookiecutter
import copier
import pytest
from cookiecutter import hooks
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter as render
from copier import _main as copier_main
from copier.errors import TaskError
from jinja2 import Environment

from hooks import answers
from tests.rendering import ROOT, cookiecutter_config


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every process started in this test (each one's arguments), with cookiecutter's `run_script` and
    copier's `_execute_tasks` as they ship: the answer rules change them again in the test's render, as
    in any render."""
    monkeypatch.setattr(hooks, "run_script", answers.as_shipped(hooks.run_script))
    tasks = vars(copier_main.Worker)["_execute_tasks"]
    monkeypatch.setattr(copier_main.Worker, "_execute_tasks", answers.as_shipped(tasks))
    commands: list[list[str]] = []
    popen = subprocess.Popen

    class Recorded(popen):  # type: ignore[misc,valid-type]
        def __init__(self, args: object, *rest: object, **options: object) -> None:
            commands.append([str(part) for part in args] if isinstance(args, list | tuple) else [str(args)])
            super().__init__(args, *rest, **options)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    return commands


def pythons(commands: list[list[str]]) -> list[list[str]]:
    return [command for command in commands if command[0] == sys.executable]


def commits(component: Path) -> str:
    """The subjects of the component's commits, one a line: the step's first commit, when it ran."""
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=component, capture_output=True, text=True, check=True
    )
    return log.stdout.strip()


def test_a_default_render_starts_no_python_for_the_step_and_an_unread_release_does(
    started: list[list[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    output = tmp_path / "read"
    component = Path(
        render(str(ROOT), no_input=True, output_dir=str(output), config_file=str(cookiecutter_config()))
    )
    assert pythons(started) == [], (
        f"cookiecutter {cookiecutter.__version__} started a Python for the post-generation step: read its "
        "hooks.run_script and, if it still runs a Python hook as before, raise COOKIECUTTER_RELEASES_READ "
        "in hooks/answers.py"
    )
    assert commits(component) == "Render inventory from the backend component template"
    assert (component / ".cruft.json").is_file()  # the rest of the step ran too

    started.clear()
    monkeypatch.setattr(cookiecutter, "__version__", "2.8.0")
    monkeypatch.setattr(hooks, "run_script", getattr(hooks.run_script, answers.SHIPPED))
    component = Path(
        render(
            str(ROOT),
            no_input=True,
            output_dir=str(tmp_path / "unread"),
            config_file=str(cookiecutter_config()),
        )
    )
    assert [command[1].endswith(".py") for command in pythons(started)] == [True]
    assert (component / ".git").is_dir()


def template_with_a_step(root: Path, body: str, in_process: bool) -> Path:
    """A one-file cookiecutter template whose post-generation step is ``body``."""
    (root / "{{cookiecutter.slug}}").mkdir(parents=True)
    (root / "{{cookiecutter.slug}}" / "README.md").write_text("# {{ cookiecutter.slug }}\n", encoding="utf-8")
    (root / "cookiecutter.json").write_text('{"slug": "shop"}\n', encoding="utf-8")
    (root / "hooks").mkdir()
    marker = f"{answers.IN_THE_TOOLS_PROCESS}\n" if in_process else ""
    (root / "hooks" / "post_gen_project.py").write_text(marker + body, encoding="utf-8")
    return root


STEPS = {
    "ends well": (
        "import os, sys\n"
        "if __name__ == '__main__':\n"
        "    print('step in', os.getcwd(), 'as', __name__, sys.argv[0].endswith('.py'), sys.argv[1:])\n"
        "    sys.exit(0)\n"
    ),
    "stops with a message": "import sys\nsys.exit('post-generation: the step refused; render again')\n",
    "stops with a status": "import sys\nprint('about to stop')\nsys.exit(3)\n",
    "fails": "def fail():\n    raise RuntimeError('the step broke')\n\nfail()\n",
}


@pytest.mark.parametrize("step", STEPS)
def test_a_step_ends_the_render_as_in_a_new_python(
    step: str, started: list[list[str]], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    Environment(extensions=[answers.ComponentAnswers])  # noqa: S701 - as in a render of this template
    assert hasattr(hooks.run_script, answers.SHIPPED)
    ended: dict[bool, tuple[str, str, str, bool]] = {}
    for in_process in (False, True):
        where = tmp_path / ("in-process" if in_process else "new-python")
        template = template_with_a_step(where / "template", STEPS[step], in_process)
        before = (Path.cwd(), list(sys.argv))
        started.clear()
        try:
            render(
                str(template),
                no_input=True,
                output_dir=str(where / "out"),
                config_file=str(cookiecutter_config()),
            )
            failure = ""
        except FailedHookException as error:
            failure = str(error)
        assert (Path.cwd(), sys.argv) == before
        assert len(pythons(started)) == (0 if in_process else 1), started
        out, err = capfd.readouterr()
        component = where / "out" / "shop"
        ended[in_process] = (failure, out.replace(str(where), "<where>"), err, component.exists())
    assert ended[True][0] == ended[False][0]
    assert ended[True][1] == ended[False][1]
    assert ended[True][3] == ended[False][3] == (step == "ends well")
    if step == "ends well":
        assert "step in <where>/out/shop as __main__ True []" in ended[True][1]
    elif step == "stops with a message":
        assert ended[True][0] == "Hook script failed (exit status: 1)"
        assert "post-generation: the step refused; render again" in ended[True][2]
    elif step == "stops with a status":
        assert ended[True][0] == "Hook script failed (exit status: 3)"
    else:
        assert "RuntimeError: the step broke" in ended[True][2]
        assert ended[True][2].count("Traceback") == ended[False][2].count("Traceback") == 1


def test_the_working_folder_and_arguments_are_put_back(started: list[list[str]], tmp_path: Path) -> None:
    # Called as cookiecutter calls it, without the folder cookiecutter itself goes back to afterwards.
    Environment(extensions=[answers.ComponentAnswers])  # noqa: S701 - as in a render of this template
    script = tmp_path / "step.py"
    seen = tmp_path / "seen"
    script.write_text(
        f"{answers.IN_THE_TOOLS_PROCESS}\nimport os, sys\n"
        f"open({str(seen)!r}, 'w').write(os.getcwd() + ' ' + ' '.join(sys.argv))\n",
        encoding="utf-8",
    )
    project = tmp_path / "project"
    project.mkdir()
    before = (Path.cwd(), list(sys.argv))
    hooks.run_script(str(script), project)
    assert (Path.cwd(), sys.argv) == before
    assert seen.read_text(encoding="utf-8") == f"{project} {script}"
    assert pythons(started) == []


def test_a_default_copier_render_starts_no_python_for_the_task_and_an_unread_release_does(
    started: list[list[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def render_with_copier(destination: Path) -> Path:
        copier.run_copy(str(ROOT), str(destination), defaults=True, unsafe=True, quiet=True, vcs_ref="HEAD")
        return destination

    before = (Path.cwd(), list(sys.argv), dict(os.environ))
    component = render_with_copier(tmp_path / "read" / "inventory")
    assert (Path.cwd(), sys.argv, dict(os.environ)) == before
    assert pythons(started) == [], (
        f"copier {copier.__version__} started a Python for the post-generation task: read its "
        "Worker._execute_tasks and, if it still runs a task's command with subprocess.run, raise "
        "COPIER_RELEASES_READ in hooks/answers.py"
    )
    assert commits(component) == "Render inventory from the backend component template"
    assert (component / ".copier-answers.yml").is_file()

    started.clear()
    monkeypatch.setattr(copier, "__version__", "9.20.0")
    for name in answers.COPIER_WORKER_CHANGES:  # an unread release: copier's own methods, every one
        monkeypatch.setattr(copier_main.Worker, name, answers.as_shipped(vars(copier_main.Worker)[name]))
    component = render_with_copier(tmp_path / "unread" / "inventory")
    assert [command[1].endswith("hooks/post_gen_project.py") for command in pythons(started)] == [True]
    assert (component / ".git").is_dir()


def copier_template_with_a_step(root: Path, body: str, in_process: bool) -> Path:
    """A one-file copier template whose task runs copier's Python on ``body``, as this template's does."""
    (root / "template").mkdir(parents=True)
    (root / "template" / "README.md.jinja").write_text("# {{ slug }}\n", encoding="utf-8")
    (root / "copier.yml").write_text(
        "slug:\n  type: str\n  default: shop\n_subdirectory: template\n_tasks:\n"
        '  - ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/step.py", "--slug={{ slug }}"]\n',
        encoding="utf-8",
    )
    marker = f"{answers.IN_THE_TOOLS_PROCESS}\n" if in_process else ""
    (root / "step.py").write_text(marker + body, encoding="utf-8")
    return root


# The environment copier gives a task (`COPIER_OPERATION` since 9.15), read by the step that ends well.
ENVIRONMENT_SEEN = "import os\nprint('environment', os.environ.get('COPIER_OPERATION'))\n"


@pytest.mark.parametrize("step", STEPS)
def test_a_copier_task_ends_the_render_as_in_a_new_python(
    step: str, started: list[list[str]], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    Environment(extensions=[answers.ComponentAnswers])  # noqa: S701 - as in a render of this template
    assert hasattr(vars(copier_main.Worker)["_execute_tasks"], answers.SHIPPED)
    ended: dict[bool, tuple[str, str, str, bool]] = {}
    for in_process in (False, True):
        where = tmp_path / ("in-process" if in_process else "new-python")
        template = copier_template_with_a_step(where / "template", ENVIRONMENT_SEEN + STEPS[step], in_process)
        before = (Path.cwd(), list(sys.argv), dict(os.environ))
        started.clear()
        try:
            copier.run_copy(str(template), str(where / "shop"), defaults=True, unsafe=True, quiet=True)
            failure = ""
        except TaskError as error:
            failure = str(error).replace(str(where), "<where>")  # the command and its exit status
        assert (Path.cwd(), sys.argv, dict(os.environ)) == before
        assert len(pythons(started)) == (0 if in_process else 1), started
        out, err = capfd.readouterr()
        ended[in_process] = (failure, out.replace(str(where), "<where>"), err, (where / "shop").exists())
    assert ended[True][0] == ended[False][0]
    assert ended[True][1] == ended[False][1]
    assert ended[True][3] == ended[False][3]
    assert "environment copy\n" in ended[True][1]
    if step == "ends well":
        assert ended[True][0] == ""
        assert "step in <where>/shop as __main__ True ['--slug=shop']" in ended[True][1]
    elif step == "stops with a message":
        assert ended[True][0].endswith("'--slug=shop']' returned non-zero exit status 1.")
        assert "post-generation: the step refused; render again" in ended[True][2]
    elif step == "stops with a status":
        assert ended[True][0].endswith("returned non-zero exit status 3.")
    else:
        assert ended[True][0].endswith("returned non-zero exit status 1.")
        assert "RuntimeError: the step broke" in ended[True][2]
        assert ended[True][2].count("Traceback") == ended[False][2].count("Traceback") == 1

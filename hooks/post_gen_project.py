"""After rendering, for both tools: make the component its own git repository and say what to do next.

Cookiecutter runs this as its post-generation hook and renders it first, so the two answers it needs are
written in below; copier runs the same file as it is, as its task (copier.yml ``_tasks``), and passes them
as ``--own-repository=<answer>`` and ``--component=<slug>``. It runs in the rendered component's
directory, whose name is the slug under cookiecutter and whatever folder copier was given. Option pruning
is not done here: each optional file carries its condition in its own name and both tools skip a file
whose name renders empty (ADR 0003).

Where the component lands decides nothing: rendered into a folder of another repository (the
template's own clone included), it still becomes a repository of its own, with a first commit on
``main``. Only the answer ``own_repository=false`` leaves git to the repository around it (ADR 0009).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Filled in by cookiecutter's rendering; under copier they stay as written and the arguments decide.
OWN_REPOSITORY_ANSWER = "{{ cookiecutter.own_repository }}"
COMPONENT_ANSWER = "{{ cookiecutter.component_slug }}"

# Filled in by cookiecutter: its whole context, from which `.cruft.json` is written (cruft_record). Under
# copier it stays as written, and copier keeps its own record (.copier-answers.yml).
COOKIECUTTER_CONTEXT = r"""{{ cookiecutter | jsonify }}"""

# Who the first commit is by when git has no identity yet (a new laptop, a CI runner).
FALLBACK_IDENTITY = ("Backend component template", "backend-component-template@localhost")


def answer(argv: list[str], option: str, rendered: str) -> str:
    """``--<option>=<value>`` from copier's task, else what cookiecutter rendered into this file."""
    for argument in argv:
        if argument.startswith(f"--{option}="):
            return argument.partition("=")[2]
    return rendered


def own_repository(argv: list[str]) -> bool:
    # "True" or "False" as either tool renders a boolean; anything else (never expected) keeps the default.
    return answer(argv, "own-repository", OWN_REPOSITORY_ANSWER).strip().lower() != "false"


def component_name(argv: list[str], directory: Path) -> str:
    """The component's slug: its folder's name only when neither tool said it (run by hand)."""
    slug = answer(argv, "component", COMPONENT_ANSWER).strip()
    return directory.name if not slug or slug.startswith("{" + "{") else slug


def git(directory: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *arguments], cwd=directory, capture_output=True, text=True, check=False)


def enclosing_work_tree(directory: Path) -> str:
    """The top folder of the git work tree ``directory`` lies in, or ``""``."""
    probe = git(directory, "rev-parse", "--show-toplevel")
    return probe.stdout.strip() if probe.returncode == 0 else ""


def first_commit(directory: Path, component: str) -> str:
    """``git init -b main``, then commit everything rendered; what happened, in one line."""
    identity: list[str] = []
    if git(directory, "config", "user.email").returncode != 0:
        name, email = FALLBACK_IDENTITY
        identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    steps = [
        ["init", "--quiet", "--initial-branch=main"],
        # Every blob into one pack (git's bulk check-in for files above the threshold) instead of a
        # loose object, and a folder, per file: half the time of a plain `git add` on a slow disk.
        ["-c", "core.bigFileThreshold=1", "add", "--all"],
        # A first commit of generated files: no signing prompt, no hooks (none are installed yet), no
        # background maintenance (a new repository has nothing to tidy).
        [
            *identity,
            "-c",
            "commit.gpgsign=false",
            "-c",
            "maintenance.auto=false",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            f"Render {component} from the backend component template",
        ],
    ]
    for step in steps:
        done = git(directory, *step)
        if done.returncode != 0:
            raise SystemExit(
                f"post-generation: `git {' '.join(step)}` failed in {directory}:\n{done.stderr.strip()}\n"
                "The files are rendered; make the first commit yourself: "
                "git init -b main && git add --all && git commit -m 'Render from the template'"
            )
    made = "a new repository on branch main with a first commit"
    if identity:
        made += f" (by '{FALLBACK_IDENTITY[0]}': git has no user.email; set yours with git config --global)"
    return made


def cruft_record(context: dict[str, object]) -> dict[str, object] | None:
    """What `cruft update` needs to bring later template releases in (cruft's `.cruft.json`), or None
    when the template's commit is unknown (a template folder that is not a git repository)."""
    commit = context.get("_commit")
    repo_dir = context.get("_repo_dir")
    if not commit and isinstance(repo_dir, str):
        head = git(Path(repo_dir), "rev-parse", "HEAD")
        commit = head.stdout.strip() if head.returncode == 0 else None
    if not commit:
        return None
    template = str(context["_template"])
    if template.startswith("gh:"):
        template = f"https://github.com/{template.removeprefix('gh:')}.git"
    # Machine paths and cookiecutter's own prompts are not answers.
    dropped = {"_output_dir", "_repo_dir"}
    answers = {k: v for k, v in context.items() if not k.startswith("__") and k not in dropped}
    answers.update(_template=template, _commit=commit)
    return {
        "template": template,
        "commit": commit,
        "checkout": context.get("_checkout"),
        "context": {"cookiecutter": answers},
        "directory": None,
    }


def write_cruft_record(directory: Path) -> str:
    """Under cookiecutter, `.cruft.json` beside the component; what happened, in one line."""
    if COOKIECUTTER_CONTEXT.startswith("{" + "{"):
        return ""  # Rendered by copier: .copier-answers.yml is the record.
    record = cruft_record(json.loads(COOKIECUTTER_CONTEXT))
    if record is None:
        return "no .cruft.json: the template is not a git repository (`cruft link` can record it later)"
    (directory / ".cruft.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return ".cruft.json: the template release it was made from, for `cruft update`"


def prepare_git(directory: Path, own: bool, component: str) -> str:
    if shutil.which("git") is None:
        return "git is not installed: install it, then run `git init -b main && git add --all && git commit`"
    around = enclosing_work_tree(directory)
    if not own:
        if around:
            return f"part of the repository at {around} (own_repository=false): commit it there"
        return "no repository (own_repository=false): add the folder to yours"
    if Path(around or "/nonexistent").resolve() == directory.resolve():
        # Already a repository of its own: copier update, or a render over an existing component.
        return "already a repository of its own: left as it is"
    return first_commit(directory, component)


def main(argv: list[str]) -> int:
    directory = Path.cwd()
    component = component_name(argv, directory)
    record = write_cruft_record(directory)
    git_status = prepare_git(directory, own_repository(argv), component)
    # bootstrap.sh renders into a scratch folder, moves the result and says where, with its next steps.
    by_bootstrap = os.environ.get("COMPONENT_NEXT_STEPS") == "off"
    print(f"\nRendered {component}" + ("" if by_bootstrap else f" in {directory}") + f"\n  git: {git_status}")
    if record:
        print(f"  {record}")
    if by_bootstrap:
        return 0
    print(
        "Next steps:\n"
        f"  cd {directory}\n"
        "  make install     # uv (pinned; fetched if not on PATH) and the locked dependencies\n"
        "  make test-unit   # the fast loop; `make verify` runs what a pull request runs\n"
        "  make help        # every target\n"
    )
    return 0


def remove_rendered_copy(script: Path) -> None:
    """Under cookiecutter, delete this script: the copy it rendered into the temporary folder, which it
    leaves there (one file per render). Under copier the script is the template's own file: kept."""
    rendered_by_cookiecutter = not COOKIECUTTER_CONTEXT.startswith("{" + "{")
    if rendered_by_cookiecutter and script.parent == Path(tempfile.gettempdir()).resolve():
        script.unlink(missing_ok=True)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    finally:
        remove_rendered_copy(Path(__file__).resolve())

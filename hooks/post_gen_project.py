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

An update runs it too: on the two renders `cruft update` and `copier update` make in temporary folders
to compare, and, under copier, on the component itself. Those say nothing: next steps that `cd` into a
temporary folder lead nowhere. The component updated in place is told what comes after an update.
"""

from __future__ import annotations

# Only what the step cannot do without: run by hand, or by a tool release the answer rules were not read
# for, it starts a new Python, and every import adds to the wait (pathlib, shutil and tempfile took 6 of
# the 25 ms Python needed to start it; os.path does as well here).
import contextlib
import os
import subprocess
import sys
import urllib.parse

# backend-component-template: runs in the tool's process
# (This line lets cookiecutter and copier run the step in their own process, without a new Python:
# hooks/answers.py, template ADR 10. It must stay a script: `__main__`, its globals its own.)

# Filled in by cookiecutter's rendering; under copier they stay as written and the arguments decide.
OWN_REPOSITORY_ANSWER = "{{ cookiecutter.own_repository }}"
COMPONENT_ANSWER = "{{ cookiecutter.component_slug }}"

# Filled in by cookiecutter: its whole context, from which `.cruft.json` is written (cruft_record). Under
# copier it stays as written, and copier keeps its own record (.copier-answers.yml). As pairs, not an
# object: Jinja's and cookiecutter's JSON filters sort an object's keys, and cruft's record keeps the
# context's own order. Jinja's built-in filters only: `cruft update` renders this release's step with
# the filters of the release the component was made from.
COOKIECUTTER_CONTEXT = r"""{{ cookiecutter.items() | list | tojson }}"""
RENDERED_BY_COOKIECUTTER = not COOKIECUTTER_CONTEXT.startswith("{" + "{")


def cookiecutter_context() -> dict[str, object] | None:
    """Cookiecutter's context, or None under copier (which leaves COOKIECUTTER_CONTEXT as written)."""
    if not RENDERED_BY_COOKIECUTTER:
        return None
    import json  # Cookiecutter's renders only: copier's need no JSON.

    return dict(json.loads(COOKIECUTTER_CONTEXT))


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


def component_name(argv: list[str], directory: str) -> str:
    """The component's slug: its folder's name only when neither tool said it (run by hand)."""
    slug = answer(argv, "component", COMPONENT_ANSWER).strip()
    return os.path.basename(directory) if not slug or slug.startswith("{" + "{") else slug


def git(directory: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *arguments], cwd=directory, capture_output=True, text=True, check=False)


def enclosing_work_tree(directory: str) -> str:
    """The top folder of the git work tree ``directory`` lies in, or ``""``."""
    probe = git(directory, "rev-parse", "--show-toplevel")
    return probe.stdout.strip() if probe.returncode == 0 else ""


def work_tree_of(directory: str) -> str:
    """`enclosing_work_tree`, or ``""`` without git (the step says to install it)."""
    try:
        return enclosing_work_tree(directory)
    except FileNotFoundError:
        return ""


def has_git_identity(directory: str) -> bool:
    """Whether git has a user.email here (asked once: the answer decides the commit and the next steps)."""
    if directory not in _IDENTITY_ASKED:
        _IDENTITY_ASKED[directory] = git(directory, "config", "user.email").returncode == 0
    return _IDENTITY_ASKED[directory]


_IDENTITY_ASKED: dict[str, bool] = {}

# The oldest git the component works with: `git init --initial-branch` (2.28) here, `git config
# --show-scope` (2.26) in its `make hooks`.
OLDEST_GIT = (2, 28)


class GitTooOldError(Exception):
    """git cannot make the repository: it is older than OLDEST_GIT (the message says what to do)."""


def too_old_git(directory: str) -> str:
    """What to do when this git is older than OLDEST_GIT, or ``""``; asked only once a git step failed."""
    import re  # After a failure only.

    found = re.match(r"git version (\d+)\.(\d+)", git(directory, "--version").stdout)
    if found is None or (int(found[1]), int(found[2])) >= OLDEST_GIT:
        return ""
    oldest = ".".join(map(str, OLDEST_GIT))
    return (
        f"git {found[1]}.{found[2]} is older than {oldest}, which the component needs: update git, then "
        "run `git init -b main && git add --all && git commit -m 'Render from the template'`"
    )


def first_commit(directory: str, component: str) -> str:
    """``git init -b main``, then commit everything rendered; what happened, in one line."""
    identity: list[str] = []
    if not has_git_identity(directory):
        name, email = FALLBACK_IDENTITY
        identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    steps = [
        ["init", "--quiet", "--initial-branch=main"],
        # Each file becomes a loose object stored without compression: zlib was a quarter of `git add`'s
        # time, for objects `git gc` packs and compresses later (2.5 MB against 1.3 MB until then). A pack
        # straight away (core.bigFileThreshold) is not on offer: git writes loose objects for every file
        # its attributes may convert, and the component's .gitattributes makes every text file one.
        # The component's .gitignore alone decides what is left out: a machine's global one
        # (core.excludesFile, ~/.config/git/ignore) often lists .python-version, .npmrc or lock files,
        # and a first commit without them fails the squad's CI after the first push.
        [
            *("-c", "core.looseCompression=0"),
            *("-c", f"core.excludesFile={os.devnull}"),
            *("add", "--all"),
        ],
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
            if step is steps[0] and (old := too_old_git(directory)):
                raise GitTooOldError(old)  # Nothing was made yet: the files stay, as without git.
            # Both tools then remove the folder they made: the component starts as a repository with a
            # first commit (ADR 0009) or not at all.
            raise SystemExit(
                f"post-generation: `git {' '.join(step)}` failed in {directory}:\n{done.stderr.strip()}\n"
                "Nothing is kept: fix what git says, then render again."
            )
    made = "a new repository on branch main with a first commit"
    if identity:
        made += f" (by '{FALLBACK_IDENTITY[0]}': git has no user.email; set yours with git config --global)"
    return made


def cruft_record(context: dict[str, object]) -> dict[str, object] | None:
    """What `cruft update` needs to bring later template releases in (cruft's `.cruft.json`), or None
    when the template's commit is unknown (a template folder that is not a git repository).

    Under `cruft create`, cruft writes its own record once this step has made the first commit: this
    step writes the same one (cruft's fields, the context as cruft has it, in its order), so that
    rewrite changes nothing and the new repository starts clean. Cruft alone knows its `--checkout`,
    `--directory` and `--skip`: given one, its record differs there, and `git diff` shows it."""
    if by_cruft(context):
        return {
            "template": context["_template"],
            "commit": context["_commit"],
            "checkout": None,
            "context": {"cookiecutter": context},
            "directory": None,
        }
    commit = context.get("_commit")
    repo_dir = template_folder(context.get("_repo_dir"))
    if not commit and repo_dir is not None:
        head = git(repo_dir, "rev-parse", "HEAD")
        commit = head.stdout.strip() if head.returncode == 0 else None
    if not commit:
        return None
    given = str(context["_template"])
    # A relative template path (`cookiecutter ./backend-component-template`) means nothing elsewhere;
    # an address (https:, gh:, git@host:) has a colon, a relative path none.
    relative = repo_dir is not None and not os.path.isabs(given) and ":" not in given
    template = shared_address(repo_dir if relative and repo_dir is not None else given, repo_dir)
    # Machine paths are not answers. The rest is kept as cruft keeps it, `__answers_checked` too (the
    # answer gate's empty result, which `cruft update` never passes back: it leaves out every `_` key).
    answers = {k: v for k, v in context.items() if k not in ("_output_dir", "_repo_dir")}
    answers.update(_template=template, _commit=commit)
    return {
        "template": template,
        "commit": commit,
        "checkout": context.get("_checkout"),
        "context": {"cookiecutter": answers},
        "directory": None,
    }


def by_cruft(context: dict[str, object]) -> bool:
    """Whether cruft makes this render (`cruft create`, or an update's renders, whose records cruft leaves
    out of its comparison): it calls cookiecutter's generate_files, not cookiecutter itself (no
    ``_output_dir``), and names the template's commit (``_commit``)."""
    return "_output_dir" not in context and isinstance(context.get("_commit"), str) and "_template" in context


def template_folder(repo_dir: object) -> str | None:
    """The template's folder as an absolute path, or None. cookiecutter passes the path it was given,
    which may be relative to where it ran (`cookiecutter ./template`), while this step runs in the
    component's folder: it is found from the shell's working directory (PWD, which cookiecutter and this
    step inherit unchanged), else it is unknown."""
    if not isinstance(repo_dir, str):
        return None
    if os.path.isabs(repo_dir):
        return repo_dir if os.path.isdir(repo_dir) else None
    started = os.environ.get("PWD")
    if started and os.path.isfile(os.path.join(started, repo_dir, "cookiecutter.json")):
        return os.path.normpath(os.path.join(started, repo_dir))
    return None


def shared_address(template: str, folder: str | None) -> str:
    """Where teammates and CI reach the template, for the record `cruft update`, `copier update` and
    `make template-status` read: GitHub's URL for a gh: address; for a render from a clone (the
    quickstart's ./bootstrap.sh), the URL it was cloned from, as its path is this machine's alone. A
    clone of a folder (its origin a path too), or of nothing, keeps the address it was given."""
    if template.startswith("gh:"):
        return f"https://github.com/{template.removeprefix('gh:')}.git"
    if folder is None or not os.path.isdir(folder):
        return template
    try:
        origin = git(folder, "remote", "get-url", "origin").stdout.strip()
    except FileNotFoundError:  # No `git` on PATH.
        return template
    if not origin or os.path.isabs(origin) or origin.startswith(("file:", "git+file:", ".")):
        return template
    # An https URL may carry a user and a token (https://user:token@host/...), and the record is
    # committed: it keeps the host and the path. (An ssh URL's user, `git@`, is no secret.)
    parts = urllib.parse.urlsplit(origin)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return origin


def share_copier_record(directory: str) -> None:
    """Under copier, the same for `.copier-answers.yml`'s `_src_path`, a local folder when bootstrap.sh
    renders from its clone (copier writes the answers file before its tasks, this step among them)."""
    answers = os.path.join(directory, ".copier-answers.yml")
    if not os.path.isfile(answers):
        return
    with open(answers, encoding="utf-8") as answers_file:
        lines = answers_file.read().split("\n")
    for number, line in enumerate(lines):
        if line.startswith("_src_path: "):
            source = line.removeprefix("_src_path: ").strip("'\"")
            shared = shared_address(source, source)
            if shared != source:
                lines[number] = f"_src_path: {shared}"
                with open(answers, "w", encoding="utf-8") as answers_file:
                    answers_file.write("\n".join(lines))
            return


def write_cruft_record(directory: str, context: dict[str, object] | None) -> str:
    """Under cookiecutter, `.cruft.json` beside the component; what happened, in one line."""
    if context is None:
        share_copier_record(directory)
        return ""  # Rendered by copier: .copier-answers.yml is the record.
    import json

    record = cruft_record(context)
    if record is None:
        return "no .cruft.json: the template is not a git repository (`cruft link` can record it later)"
    with open(os.path.join(directory, ".cruft.json"), "w", encoding="utf-8") as cruft_file:
        # As cruft writes it (cruft.json_dumps in cruft 2.16).
        cruft_file.write(json.dumps(record, ensure_ascii=False, indent=2, separators=(",", ": ")) + "\n")
    return f".cruft.json: the template ({record['template']}) and commit it was made from, for `cruft update`"


def prepare_git(directory: str, own: bool, component: str) -> tuple[str, str]:
    """What happened, in one line, and the top folder of the work tree the component is in afterwards
    (``""`` for none)."""
    try:
        around = enclosing_work_tree(directory)
    except FileNotFoundError:  # No `git` on PATH.
        return (
            "git is not installed: install it, then run `git init -b main && git add --all && git commit`",
            "",
        )
    if not own:
        if around:
            return f"part of the repository at {around} (own_repository=false): commit it there", around
        return "no repository (own_repository=false): add the folder to yours", ""
    if around and os.path.realpath(around) == os.path.realpath(directory):
        # Already a repository of its own: copier update, or a render over an existing component.
        return "already a repository of its own: left as it is", around
    try:
        return first_commit(directory, component), directory
    except GitTooOldError as too_old:
        return str(too_old), ""


def by_an_update(argv: list[str], directory: str, context: dict[str, object] | None) -> bool:
    """Whether an update tool makes this render: one of the two it makes in temporary folders to compare
    releases, or (copier) the component it updates in place.

    Copier says so (``--operation=update``) for all three. Cruft says nothing: its renders (`cruft
    update`, `cruft diff`) are cruft's (`by_cruft`, as `cruft create` is) made in a new temporary folder.
    """
    if answer(argv, "operation", "") == "update":
        return True
    if context is None or not by_cruft(context):
        return False
    import tempfile  # Cruft's renders only: the others need not wait for it.

    # A folder of tempfile.TemporaryDirectory's (tmp<random>), directly in the temporary folder.
    parent = os.path.dirname(directory)
    temporary = os.path.realpath(tempfile.gettempdir())
    return (
        os.path.basename(parent).startswith("tmp") and os.path.realpath(os.path.dirname(parent)) == temporary
    )


def main(argv: list[str]) -> int:
    directory = os.getcwd()
    component = component_name(argv, directory)
    context = cookiecutter_context()
    updating = by_an_update(argv, directory, context)
    # The component copier updates in place is committed already (in a repository of its own or a
    # monorepo); its temporary renders are not, until this step commits them.
    in_place = updating and bool(work_tree_of(directory))
    record = write_cruft_record(directory, context)
    git_status, work_tree = prepare_git(directory, own_repository(argv), component)
    if updating:
        if in_place:
            print(
                f"Updated {component} in {directory}\n"
                "  Next: resolve the conflicts it reports (`git status`), then `make docs` and `make verify`"
            )
        return 0
    # bootstrap.sh renders into a scratch folder, moves the result and says where, with its next steps.
    by_bootstrap = os.environ.get("COMPONENT_NEXT_STEPS") == "off"
    # No blank lines of its own: copier frames its tasks' output with them, and cookiecutter needs none.
    print(f"Rendered {component}" + ("" if by_bootstrap else f" in {directory}") + f"\n  git: {git_status}")
    if record:
        print(f"  {record}")
    if by_bootstrap:
        return 0
    print(
        "Next steps:\n"
        f"  cd {directory}\n"
        "  make install     # uv (pinned; fetched if not on PATH) and the locked dependencies\n"
        "  make test-unit   # the fast loop; `make verify` runs what a pull request runs\n"
        + "".join(f"  {step}\n" for step in identity_steps(directory))
        + "".join(
            f"  {step}\n" for step in repository_steps(directory, work_tree, component, own_repository(argv))
        )
        + "  make help        # every target"
    )
    return 0


def repository_steps(directory: str, around: str, component: str, own: bool) -> list[str]:
    """`make hooks` where the component is its repository's top folder; in a folder of another repository
    (own_repository=false, a monorepo), the commit that adds it there instead: the component's hooks and
    its scripts/uv work from its own top folder only, and a hook installed in the monorepo's .git failed
    every commit there (template ADR 0009). ``around`` is the work tree's top folder (``""``: none).
    bootstrap.sh prints the same."""
    if around and os.path.realpath(around) == os.path.realpath(directory):
        return ["make hooks       # run the checks on every commit"]
    if not around:
        if own:  # No git: the git line above says to install it and make the first commit.
            return ["# then, once the first commit is made: make hooks (the checks on every commit)"]
        return [
            "# own_repository=false: put this folder in your repository, commit it there (template ADR 0009)"
        ]
    return [
        f"git add --all . && git commit -m 'Add {component} from the backend component template'"
        f"   # in the repository at {around}; `make hooks` does not apply there (template ADR 0009)"
    ]


def identity_steps(directory: str) -> list[str]:
    """The commands that give git an identity, when it has none: the squad's first commit needs one (the
    component's first was made under a stand-in name, for this render only). bootstrap.sh prints the same."""
    try:
        if has_git_identity(directory):
            return []
    except FileNotFoundError:  # No `git` on PATH: the git line above says to install it first.
        return []
    return [
        'git config --global user.name "Your Name"       # git has no identity yet: your commits need one',
        'git config --global user.email "you@example.com"',
    ]


def remove_rendered_copy(script: str) -> None:
    """Under cookiecutter, delete this script: the copy it rendered into the temporary folder, which it
    leaves there (one file per render). Cookiecutter always runs such a copy (under a temporary name),
    never the template's own file, which copier runs and which is kept."""
    if RENDERED_BY_COOKIECUTTER and os.path.basename(script) != "post_gen_project.py":
        with contextlib.suppress(FileNotFoundError):
            os.remove(script)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    finally:
        remove_rendered_copy(os.path.realpath(__file__))

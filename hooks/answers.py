"""The template's answers: how derived answers are computed and which answers are allowed.

This is the one place for those rules. Both tools load it as a Jinja extension:

* copier, through ``copier_template_extensions`` (see ``_jinja_extensions`` in ``copier.yml``): each
  question's ``validator`` calls ``answer_problem``, so a bad answer is refused before anything is written;
* cookiecutter, through ``_extensions`` in ``cookiecutter.json``: the last, computed variable
  ``__answers_checked`` calls ``reject_invalid_answers`` after the last answer is known and before
  cookiecutter creates the project directory (its pre-generation hook would run too late for that).

Templates use the same filters (``snake_case``, ``plural``, ...) so both tools derive names identically.
The module has no dependency beyond Jinja2, which both tools ship.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import keyword
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import Environment, TemplateNotFound
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.ext import Extension

# Nothing of copier is imported here: cookiecutter renders load this module too, and importing copier
# would cost them a fifth of a second. Copier's context hook lives in hooks/copier_namespace.py.

# The component template, next to this folder: the source of the names a package must not take.
COMPONENT_TEMPLATE = Path(__file__).resolve().parent.parent / "{{cookiecutter.component_slug}}"

# Stage and branch suffixes (up to 20 characters, see the component's stack naming) and the longest
# function role ("publisher") must still fit Lambda's 64-character function names after the slug.
MAX_SLUG_LENGTH = 30
MAX_AGGREGATE_LENGTH = 20
MAX_NAME_LENGTH = 40
MAX_EVENT_SOURCE_LENGTH = 80

# Regions where Lambda, DynamoDB, EventBridge and SQS are all offered (botocore's endpoint data, 2026-11).
AWS_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "cn-north-1",
        "cn-northwest-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-gov-east-1",
        "us-gov-west-1",
        "us-west-1",
        "us-west-2",
    }
)

# The spellings of a yes/no answer that cookiecutter documents for its boolean variables; copier reads
# each of them the same way. Copier alone would also take "maybe" (as true): anything else is refused.
TRUE_SPELLINGS = ("true", "yes", "y", "t", "on", "1")
FALSE_SPELLINGS = ("false", "no", "n", "f", "off", "0")

_SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_PACKAGE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
_PASCAL = re.compile(r"[A-Z][a-z0-9]+([A-Z][a-z0-9]+)*")
_HUMAN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*( [A-Za-z0-9]+)*")
_GITHUB_OWNER = re.compile(r"[A-Za-z0-9](-?[A-Za-z0-9])*")
_GITHUB_TEAM = re.compile(r"[a-z0-9][a-z0-9_-]*")
_EVENT_SOURCE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+")
_BOOLEAN_FIELDS = ("command_api", "jwt_authoriser", "consumer", "fifo_buffering", "own_repository")
# `from x.y import z` and `import x.y [as z]` as a line (prose in docstrings rarely fits).
_IMPORT = re.compile(
    r"\s*(?:from\s+([A-Za-z_]\w*)[\w.]*\s+import\s|import\s+([A-Za-z_]\w*)[\w.]*\s*(?:$|as\s|,))"
)


# ---------------------------------------------------------------- derivations (defaults and names)


def slugify(text: str) -> str:
    """``Vehicle Stock`` -> ``vehicle-stock``: lower case words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", _split_words(text).lower()))


def snake_case(text: str) -> str:
    """``VehicleStock`` or ``vehicle-stock`` -> ``vehicle_stock``."""
    return slugify(text).replace("-", "_")


def plural(word: str) -> str:
    """A resource-path plural good enough for aggregate names (``vehicle`` -> ``vehicles``)."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def team_name(owning_team: str) -> str:
    """``example-org/inventory-squad`` -> ``inventory-squad`` (the Backstage group)."""
    return owning_team.rpartition("/")[2]


def _split_words(text: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)


def default_event_source(answers: Mapping[str, Any]) -> str:
    """``example-org/...`` + ``inventory`` -> ``example-org.inventory`` (EventBridge ``source``)."""
    organisation = str(answers["owning_team"]).partition("/")[0].lower()
    return f"{organisation}.{answers['component_slug']}"


# ---------------------------------------------------------------- validation


@functools.cache
def reserved_package_names() -> frozenset[str]:
    """Names the package must not take, read from the component template itself.

    The component's own top-level folders and modules (``contracts``, ``infra``, ``local_deploy``,
    ``tests``, ...) and every module its code imports (``boto3``, ``pydantic``, ``aws_cdk``, ...): a
    package of the same name would shadow it. Read from the tree, so a folder or an import added to the
    template is reserved without a second list to keep.
    """
    names = {
        path.name.removesuffix(".py")
        for path in COMPONENT_TEMPLATE.iterdir()
        if path.is_dir() or path.name.endswith(".py")
    }
    # Every render asks (the package name's check), over 1 MB of code: os.walk, and the pattern tried only
    # on lines that mention an import, take 7 ms where rglob and one multi-line pattern took 11.
    for folder, _, files in os.walk(COMPONENT_TEMPLATE):
        for file in files:
            if file.endswith(".py") or ".py{" in file:  # `{% if ... %}api.py{% endif %}` too; no .pyc
                with (Path(folder) / file).open(encoding="utf-8") as code:
                    for line in code:
                        if "import" in line and (found := _IMPORT.match(line)):
                            names.update(group for group in found.groups() if group)
    # Standard-library names have a rule of their own; what is left is the component's and its libraries'.
    return frozenset(
        name
        for name in names
        if name.isidentifier() and not name.startswith("_") and name not in sys.stdlib_module_names
    )


def as_boolean(value: Any) -> bool | None:
    """``True``/``False`` for a boolean or one of the documented spellings, ``None`` for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        spelling = value.strip().lower()
        if spelling in TRUE_SPELLINGS:
            return True
        if spelling in FALSE_SPELLINGS:
            return False
    return None


def _as_given(value: Any, field: str, answers: Mapping[str, Any]) -> Any:
    """The answer as the user typed it: copier has already turned ``maybe`` into ``True`` by now.

    Copier keeps the raw ``--data`` values in ``_copier_conf.data``; cookiecutter passes them unchanged.
    """
    copier_conf = answers.get("_copier_conf")
    data = getattr(copier_conf, "get", lambda _key: None)("data") if copier_conf is not None else None
    if isinstance(data, Mapping) and field in data:
        return data[field]
    return value


def _check_component_name(value: str, _: Mapping[str, Any]) -> str:
    if not _HUMAN_NAME.fullmatch(value) or len(value) > MAX_NAME_LENGTH:
        return (
            f"allowed: 1-{MAX_NAME_LENGTH} ASCII letters, digits and single spaces, "
            "starting with a letter (e.g. 'Inventory', 'Vehicle Pricing')"
        )
    return ""


def _check_component_slug(value: str, _: Mapping[str, Any]) -> str:
    if not _SLUG.fullmatch(value) or len(value) > MAX_SLUG_LENGTH:
        return (
            f"allowed: 1-{MAX_SLUG_LENGTH} characters of a-z, 0-9 and single hyphens, starting with a "
            "letter (it becomes the directory, stack, table, queue and function names)"
        )
    return ""


def _check_package_name(value: str, _: Mapping[str, Any]) -> str:
    if not _PACKAGE.fullmatch(value) or len(value) > MAX_SLUG_LENGTH:
        return (
            f"allowed: a Python package name of 1-{MAX_SLUG_LENGTH} characters: a-z, 0-9 and single "
            "underscores, starting with a letter"
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return "allowed: not a Python keyword"
    if value in sys.stdlib_module_names:
        return "allowed: not the name of a Python standard-library module"
    if value in reserved_package_names():
        return (
            "allowed: not the name of one of the component's own top-level packages or of a module it "
            f"imports ({', '.join(sorted(reserved_package_names()))}): it would shadow it"
        )
    return ""


def _check_owning_team(value: str, _: Mapping[str, Any]) -> str:
    owner, slash, team = value.partition("/")
    if not slash or not _GITHUB_OWNER.fullmatch(owner) or not _GITHUB_TEAM.fullmatch(team):
        return "allowed: a GitHub team as 'organisation/team-slug' (e.g. 'example-org/inventory-squad')"
    if len(owner) > 39 or len(team) > 100:
        return "allowed: an organisation of at most 39 characters and a team slug of at most 100"
    return ""


def _check_aggregate(value: str, _: Mapping[str, Any]) -> str:
    if not _PASCAL.fullmatch(value) or len(value) > MAX_AGGREGATE_LENGTH:
        return (
            f"allowed: a PascalCase identifier of 2-{MAX_AGGREGATE_LENGTH} ASCII letters and digits "
            "(e.g. 'Vehicle', 'PriceQuote')"
        )
    if keyword.iskeyword(snake_case(value)):
        return "allowed: a name whose snake_case form is not a Python keyword"
    return ""


def _check_event_source(value: str, _: Mapping[str, Any]) -> str:
    if not _EVENT_SOURCE.fullmatch(value) or len(value) > MAX_EVENT_SOURCE_LENGTH:
        return (
            f"allowed: 3-{MAX_EVENT_SOURCE_LENGTH} characters of dot-separated lower-case segments "
            "(e.g. 'example-org.inventory')"
        )
    if value.startswith("aws."):
        return "allowed: any source except one starting with 'aws.' (reserved by AWS)"
    return ""


def _check_aws_region(value: str, _: Mapping[str, Any]) -> str:
    if value not in AWS_REGIONS:
        return "allowed: an AWS region name such as 'eu-west-2' or 'us-east-1'"
    return ""


def _needs(option: str, why: str) -> Callable[[Any, Mapping[str, Any]], str]:
    """The rule of a yes/no option that only makes sense with ``option`` on."""

    def check(value: Any, answers: Mapping[str, Any]) -> str:
        if as_boolean(value) is True and as_boolean(answers.get(option)) is False:
            return f"allowed: true only with {option}=true ({why})"
        return ""

    return check


_CHECKS: dict[str, Callable[[Any, Mapping[str, Any]], str]] = {
    "component_name": _check_component_name,
    "component_slug": _check_component_slug,
    "package_name": _check_package_name,
    "owning_team": _check_owning_team,
    "aggregate": _check_aggregate,
    "event_source": _check_event_source,
    "aws_region": _check_aws_region,
    "jwt_authoriser": _needs("command_api", "the JWT authoriser guards the command API"),
    "fifo_buffering": _needs("consumer", "FIFO buffering is a setting of the consumer's queue"),
}
# In the order copier.yml asks them (a test holds the two together).
QUESTIONS = (
    "component_name",
    "component_slug",
    "package_name",
    "owning_team",
    "aggregate",
    "event_source",
    "aws_region",
    *_BOOLEAN_FIELDS,
)


def answer_problem(value: Any, field: str, answers: Mapping[str, Any] | None = None) -> str:
    """The message refusing ``value`` for ``field``, or ``""`` when it is allowed."""
    answers = answers or {}
    if field in _BOOLEAN_FIELDS:
        value = _as_given(value, field, answers)
    if field in _BOOLEAN_FIELDS and as_boolean(value) is None:
        reason = (
            f"allowed: {' / '.join(TRUE_SPELLINGS)} for yes, {' / '.join(FALSE_SPELLINGS)} for no (any case)"
        )
    elif field not in _BOOLEAN_FIELDS and not isinstance(value, str):
        reason = "allowed: a string"
    else:
        check = _CHECKS.get(field)
        reason = check(value, answers) if check else ""
    if not reason:
        return ""
    # A yes/no answer reads the same whichever tool or spelling gave it; anything else as it was given.
    shown = (
        str(as_boolean(value)).lower()
        if field in _BOOLEAN_FIELDS and as_boolean(value) is not None
        else repr(value)
    )
    return f"{field}={shown} is not valid; {reason}"


def answer_problems(answers: Mapping[str, Any]) -> list[str]:
    """Every problem with a complete set of answers, in question order."""
    return [
        problem
        for field in QUESTIONS
        if field in answers and (problem := answer_problem(answers[field], field, answers))
    ]


def reject_invalid_answers(answers: MutableMapping[str, Any]) -> str:
    """Cookiecutter's gate: raise its own failure type so its CLI prints the message and exits 1.

    Cookiecutter declares the yes/no questions with string defaults (see scripts/sync_questions.py):
    its own boolean conversion ends in a traceback on a bad spelling, before any code of ours runs.
    So the answers arrive here as typed, and once they pass, the yes/no ones become booleans in
    cookiecutter's context, which is the mapping this gate receives.
    """
    problems = answer_problems(answers)
    if problems:
        from cookiecutter.exceptions import FailedHookException  # only reached under cookiecutter

        raise FailedHookException("Invalid answers, nothing was written:\n  " + "\n  ".join(problems))
    for field in _BOOLEAN_FIELDS:
        if field in answers:
            answers[field] = as_boolean(answers[field])
    return ""


# ---------------------------------------------------------------- Jinja wiring for both tools

FILTERS: dict[str, Callable[..., Any]] = {
    "slugify_name": slugify,
    "snake_case": snake_case,
    "plural": plural,
    "team_name": team_name,
    "default_event_source": default_event_source,
    "answer_problem": answer_problem,
    "reject_invalid_answers": reject_invalid_answers,
}


_LEXER_OPTIONS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "autoescape",
)


def _setting(value: Any) -> Any:
    """A setting as it can be compared between processes (a function by its name, not its address)."""
    return getattr(value, "__qualname__", value) if callable(value) else value


# An entry no render has loaded for this long is deleted by the next render that compiles anything (a
# new template release, as a rule): the folder keeps what the releases a squad still renders need, not
# every release it ever rendered. Loading marks an entry used, at most once a day (one write, not one
# per render).
UNUSED_ENTRY_SECONDS = 30 * 24 * 3600
USED_MARK_SECONDS = 24 * 3600


class SourceKeyedBytecodeCache(BytecodeCache):
    """Jinja's compiled templates, kept between renders and keyed by the template's text alone.

    Compiling the component's files is most of a render's own time. Jinja's file cache keys entries by
    path, and copier renders from a fresh clone in a new temporary folder each time: keyed by content,
    a file already compiled by any earlier render, with either tool, is loaded instead.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pruned = False

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return ""  # Unused: get_bucket below keys by the source text.

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        # The same text compiles differently under other lexer settings (the tools' environments differ).
        settings = repr(
            (
                jinja2.__version__,
                type(environment).__qualname__,
                sorted(environment.extensions),
                environment.is_async,
                environment.optimized,
                *(_setting(getattr(environment, option)) for option in _LEXER_OPTIONS),
            )
        )
        key = hashlib.sha256(f"{settings}\0{source}".encode()).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        entry = self.directory / bucket.key
        try:
            with entry.open("rb") as stored:
                bucket.load_bytecode(stored)
                last_marked = os.fstat(stored.fileno()).st_mtime
            if time.time() - last_marked > USED_MARK_SECONDS:
                os.utime(entry)
        except OSError:
            pass  # Not compiled yet, or unreadable: Jinja compiles it.

    def dump_bytecode(self, bucket: Bucket) -> None:
        # Written whole under a temporary name, then renamed: two renders at once never read half a file.
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, delete=False) as scratch:
                bucket.write_bytecode(scratch)
            Path(scratch.name).replace(self.directory / bucket.key)
        except OSError:
            pass  # A cache that cannot be written only costs time.
        self.prune_unused()

    def prune_unused(self) -> None:
        """Once per render, delete the entries no render has loaded for ``UNUSED_ENTRY_SECONDS``."""
        if self.pruned:
            return
        self.pruned = True
        unused_since = time.time() - UNUSED_ENTRY_SECONDS
        try:
            with os.scandir(self.directory) as entries:
                unused = [Path(e.path) for e in entries if e.is_file() and e.stat().st_mtime < unused_since]
        except OSError:
            return  # Unreadable now: the next render that compiles tries again.
        for path in unused:
            with contextlib.suppress(OSError):  # Pruned by another render already, or not ours to delete.
                path.unlink()


def template_cache_directory() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "backend-component-template" / "jinja" / sys.implementation.cache_tag


class ComponentAnswers(Extension):
    """Registers the derivation and validation filters in the tool's Jinja environment, and its cache."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
        if environment.bytecode_cache is None:
            cache = SourceKeyedBytecodeCache(template_cache_directory())
            environment.bytecode_cache = cache
            _cache_string_templates(environment, cache)
        _check_this_templates_files_for_nul_bytes()
        _run_the_post_generation_step_in_cookiecutters_process()
        _read_core_file_mode_once_per_render()
        _render_plain_names_without_context()
        _run_the_post_generation_task_in_copiers_process()


# How much of a file a binary check reads: git's own rule ("a NUL byte in the first 8,000 bytes").
BINARY_CHECK_BYTES = 8000


def is_binary_file(path: str | os.PathLike[str]) -> bool:
    """Whether a file of the component template is binary: a NUL byte near its start, as git decides.

    Every text encoding the template's files use (UTF-8) writes no NUL byte, and every binary format
    does early on (a test compares this with binaryornot on every file of the template).
    """
    with Path(path).open("rb") as file:
        return b"\0" in file.read(BINARY_CHECK_BYTES)


def _check_this_templates_files_for_nul_bytes() -> None:
    """Cookiecutter asks binaryornot, before it renders a file, whether to copy it as it is instead.

    binaryornot 0.6 computes statistics of the first kilobytes of each of this template's 205 files (a
    render from the command line: 0.527 s with it, 0.479 s without). For the component template's own
    files cookiecutter gets git's answer instead (``is_binary_file``); any other path still goes to
    binaryornot. Copier has no such check. Nothing of cookiecutter is imported: a copier render has no
    cookiecutter module to change.
    """
    generate = sys.modules.get("cookiecutter.generate")
    ask_binaryornot = getattr(generate, "is_binary", None)
    if ask_binaryornot is None or getattr(ask_binaryornot, "__module__", None) == __name__:
        return

    # Cookiecutter names each file relative to the working directory, which the system gives as a real
    # path, as COMPONENT_TEMPLATE is: a prefix of the absolute path decides, without resolving each path
    # (0.01 s a render). A path through a symbolic link only goes to binaryornot.
    inside = f"{COMPONENT_TEMPLATE}{os.sep}"

    def is_binary(path: str) -> bool:
        if os.path.abspath(path).startswith(inside):  # noqa: PTH100 - no resolving: see above
            return is_binary_file(path)
        return bool(ask_binaryornot(path))

    setattr(generate, "is_binary", is_binary)  # noqa: B010 - a module found at run time, not imported


SHIPPED = "backend_component_template_shipped"  # the tool's own function, kept on the one that wraps it


def as_shipped(attribute: Any) -> Any:
    """The tool's own function (or property) behind this template's change of it, else ``attribute``."""
    return getattr(getattr(attribute, "fget", attribute), SHIPPED, attribute)


# The cookiecutter releases read for what `hooks.run_script` does with a Python hook: run it with
# `sys.executable` in the project's folder and raise FailedHookException on any other exit status than 0.
# A newer release runs the step as it ships until its `run_script` is read and this bound raised
# (tests/test_post_gen_in_process.py fails first).
COOKIECUTTER_RELEASES_READ = ((2, 5), (2, 7, 1))
# The line by which a hook says it may run in the tool's own process (the post-generation step has it).
IN_THE_TOOLS_PROCESS = "# backend-component-template: runs in the tool's process"


def _step_to_run_here(script_path: Any) -> str | None:
    """The text of a Python script that says it may run in the tool's process (``IN_THE_TOOLS_PROCESS``);
    None for any other script, or one that cannot be read as text."""
    if not str(script_path).endswith(".py"):
        return None
    try:
        source = Path(script_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return source if IN_THE_TOOLS_PROCESS in source.splitlines() else None


def _run_the_post_generation_step_in_cookiecutters_process() -> None:
    """Cookiecutter starts a Python for the post-generation step: the step now runs in its own process.

    A new Python, and the step's imports, cost about 30 ms of a render's 0.4 s (a render in process:
    206 ms to 174 ms); cookiecutter's process has Python started and those modules loaded already. Only a hook
    that says so (``IN_THE_TOOLS_PROCESS``, this template's post-generation step) runs there, as
    ``__main__`` with its path as ``sys.argv[0]``, in the project's folder, as Python would run it: its
    exit status and message, or its traceback, are what the new Python's would have been, and
    cookiecutter gets the same FailedHookException (then removes the component's folder). The working
    folder and ``sys.argv`` are put back. Any other hook, or another cookiecutter release, runs as
    cookiecutter ships it. Nothing of cookiecutter is imported: a copier render has no such module.
    """
    hooks = sys.modules.get("cookiecutter.hooks")
    shipped = getattr(hooks, "run_script", None)
    failed = getattr(hooks, "FailedHookException", None)
    if shipped is None or failed is None or as_shipped(shipped) is not shipped:
        return
    oldest, newest = COOKIECUTTER_RELEASES_READ
    if not oldest <= _release(getattr(sys.modules.get("cookiecutter"), "__version__", "0")) <= newest:
        return

    def run_script(script_path: str, cwd: Any = ".") -> None:
        source = _step_to_run_here(script_path)
        if source is None:
            shipped(script_path, cwd)
            return
        status = _run_as_main(source, str(script_path), cwd)
        if status != 0:
            raise failed(f"Hook script failed (exit status: {status})")

    setattr(run_script, SHIPPED, shipped)
    setattr(hooks, "run_script", run_script)  # noqa: B010 - a module found at run time, not imported


def _run_as_main(source: str, path: str, folder: Any, arguments: Sequence[str] = ()) -> int:
    """Run a Python script's text as ``python <path> <arguments>`` would, in ``folder``; its exit status."""
    import traceback  # a hook's failure only

    code = compile(source, path, "exec", dont_inherit=True)
    started_in, argv = Path.cwd(), sys.argv
    os.chdir(folder)
    sys.argv = [path, *arguments]
    try:
        exec(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})  # noqa: S102
    except SystemExit as stop:
        # As Python ends on SystemExit: None is 0, a number its status, anything else printed and 1.
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)
        return 1
    except Exception:  # as Python ends on any other exception: its traceback, status 1
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.argv = argv
        os.chdir(started_in)
    return 0


# The copier releases read for what the Worker's methods changed below do (the per-file git call came in
# 9.15; `_render_string` and `answers_relpath` read the same in each; `_execute_tasks` runs each task's
# command through its module's `subprocess.run`, in the task's folder, with plumbum's environment, and
# raises TaskError on any other exit status than 0). A newer release runs as it ships
# until its methods are read and this bound raised (tests/test_copier_file_mode.py fails first).
COPIER_RELEASES_READ = ((9, 15), (9, 19, 1))
# The attributes of copier's Worker the changes below wrap (the tests and the bench undo them by name).
COPIER_WORKER_CHANGES = (
    "_sync_git_index_executable_bit",
    "_render_string",
    "answers_relpath",
    "_execute_tasks",
)
_FILE_MODE = "backend-component-template: core.fileMode"  # on a copier Worker: (destination, answer)


def _release(version: str) -> tuple[int, ...]:
    """``9.19.1`` as ``(9, 19, 1)``; a local or development suffix is left out."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def _copier_worker_to_change(name: str) -> tuple[Any, Any] | None:
    """Copier's ``Worker`` class and its attribute ``name`` as it ships (a method, or a property), where
    this process runs a copier release read (``COPIER_RELEASES_READ``) and the attribute is as copier
    shipped it; else None. Nothing of copier is imported: a cookiecutter render has no copier module."""
    worker = getattr(sys.modules.get("copier._main"), "Worker", None)
    shipped = vars(worker).get(name) if isinstance(worker, type) else None
    # Copier loads this module again for each render's environment, under one name; a test, under another.
    if shipped is None or as_shipped(shipped) is not shipped:
        return None
    oldest, newest = COPIER_RELEASES_READ
    if not oldest <= _release(getattr(sys.modules.get("copier"), "__version__", "0")) <= newest:
        return None
    return worker, shipped


def _read_core_file_mode_once_per_render() -> None:
    """Copier asks git for the destination's ``core.fileMode`` after writing each file: once a render.

    Copier 9.15 and later run ``git config --type=bool --get core.fileMode`` in the destination after
    each file they write (``Worker._sync_git_index_executable_bit``, for ``copier update`` where git
    ignores the executable bit on disk), and the method does nothing more unless the answer is
    ``false``: 207 processes, about 0.4 s of a default render's 1.1 s in process, more in an update's
    renders. The setting does not change while copier renders, so each render (a copier ``Worker``)
    asks once, as copier asks, and keeps the answer with its destination; when it is ``false`` every
    file goes to copier's own method, which does its work as it ships.
    """
    found = _copier_worker_to_change("_sync_git_index_executable_bit")
    if found is None:
        return
    worker, shipped = found

    def sync_git_index_executable_bit(self: Any, dst_relpath: Any, src_mode: int) -> None:
        destination = self.subproject.local_abspath
        known = vars(self).get(_FILE_MODE)
        if known is None or known[0] != destination:  # a worker copied for another folder asks again
            import subprocess  # only copier renders come here

            asked = subprocess.run(
                ["git", "config", "--type=bool", "--get", "core.fileMode"],  # noqa: S607 - as copier runs it
                cwd=destination,
                capture_output=True,
                text=True,
                check=False,
            )
            # Copier's method returns at once when git fails (not a repository, the key unset) too.
            known = vars(self)[_FILE_MODE] = (
                destination,
                asked.stdout.strip() if asked.returncode == 0 else "",
            )
        if known[1] == "false":
            shipped(self, dst_relpath, src_mode)

    setattr(sync_git_index_executable_bit, SHIPPED, shipped)
    setattr(worker, "_sync_git_index_executable_bit", sync_git_index_executable_bit)  # noqa: B010


def _render_plain_names_without_context() -> None:
    """Copier builds its whole render context for a name that renders to itself: not any more.

    Copier renders every part of every path (``Worker._render_string``) and compares each with the
    answers file's name (``Worker.answers_relpath``, rendered each time): some 1,300 times a default
    render. Each builds the whole context first (``_render_context``: the answers merged, copier's
    settings), although most are plain names that the environment hands back as they are
    (``_cache_string_templates``), and a plain text renders to itself whatever the context: 6 to 8 %
    of a render in process. Where the environment hands back plain text, so do these; anything else goes
    to copier's own, which renders it as it ships. Another template's environment hands back no plain
    text, so in one process with this template's renders, its renders go to copier's own throughout.
    """
    found = _copier_worker_to_change("_render_string")
    if found is not None:
        worker, render_string_as_shipped = found

        def render_string(self: Any, string: str, extra_context: Any = None) -> str:
            template = self.jinja_env.from_string(string)
            if getattr(template, PLAIN_TEXT, False):
                return str(template.text)
            return str(render_string_as_shipped(self, string, extra_context))

        setattr(render_string, SHIPPED, render_string_as_shipped)
        setattr(worker, "_render_string", render_string)  # noqa: B010 - a class found at run time
    found = _copier_worker_to_change("answers_relpath")
    if found is not None and isinstance(found[1], property):
        worker, answers_relpath_as_shipped = found

        def answers_relpath(self: Any) -> Path:
            # As copier reads the name: the user's choice, else the template's, else copier's default.
            name = self.answers_file or self.template.answers_relpath
            template = self.jinja_env.from_string(str(name))
            if getattr(template, PLAIN_TEXT, False):
                return Path(template.text)
            return Path(answers_relpath_as_shipped.fget(self))

        setattr(answers_relpath, SHIPPED, answers_relpath_as_shipped)
        setattr(worker, "answers_relpath", property(answers_relpath))  # noqa: B010


def _run_the_post_generation_task_in_copiers_process() -> None:
    """Copier starts a Python for the post-generation task: the step now runs in copier's process.

    The template's task is ``[<copier's Python>, <template>/hooks/post_gen_project.py, <arguments>]``: a
    new Python and the step's imports took about 25 ms of a render (copier's ``_execute_tasks`` under
    cProfile: 100 to 112 ms, now 74 to 83), in a process that has Python started and those modules
    loaded already. While
    copier runs its tasks (``Worker._execute_tasks``), the ``subprocess`` its module calls is one whose
    ``run`` runs such a command here, as the cookiecutter change runs the hook: only copier's own Python
    on a script that says so (``IN_THE_TOOLS_PROCESS``), with its arguments, in the folder and with the
    environment copier gives the task (``os.environ`` is put back after), and its exit status in the
    ``CompletedProcess`` copier reads (a status other than 0 is copier's TaskError, as before). Any
    other command runs as copier ships it.
    """
    found = _copier_worker_to_change("_execute_tasks")
    main = sys.modules.get("copier._main")
    if found is None or main is None:
        return
    worker, shipped = found

    def execute_tasks(self: Any, tasks: Any) -> None:
        module = vars(main).get("subprocess")
        if getattr(module, "run", None) is None or getattr(module, SHIPPED, None) is not None:
            shipped(self, tasks)  # not the module copier imports, or changed already
            return
        setattr(main, "subprocess", _StepsInThisProcess(module))  # noqa: B010 - a module found at run time
        try:
            shipped(self, tasks)
        finally:
            setattr(main, "subprocess", module)  # noqa: B010 - as above

    setattr(execute_tasks, SHIPPED, shipped)
    setattr(worker, "_execute_tasks", execute_tasks)  # noqa: B010 - a class found at run time


class _StepsInThisProcess:
    """Copier's ``subprocess`` while it runs its tasks: everything as the module's own but ``run``."""

    def __init__(self, module: Any) -> None:
        setattr(self, SHIPPED, module)
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def run(self, args: Any, *more: Any, **options: Any) -> Any:
        command = [str(part) for part in args] if isinstance(args, list | tuple) else []
        # What copier passes a task given as a list (9.15: the environment as plumbum's mapping; 9.17 on:
        # check=False), and nothing else: a shell command, another program or more options go as shipped.
        ours = not more and set(options) <= {"shell", "check", "env"} and not options.get("shell")
        source = None
        if ours and not options.get("check") and len(command) >= 2 and command[0] == sys.executable:
            source = _step_to_run_here(command[1])
        if source is None:
            return self._module.run(args, *more, **options)
        saved = dict(os.environ)
        given = options.get("env")
        environment = (
            saved if given is None else {str(name): str(value) for name, value in dict(given).items()}
        )
        if environment != saved:  # copier's is os.environ and the task's variables (COPIER_OPERATION, ...)
            os.environ.clear()
            os.environ.update(environment)
        try:
            status = _run_as_main(source, command[1], Path.cwd(), command[2:])
        finally:
            if os.environ != saved:  # as it was, whatever the step or the task's variables changed
                os.environ.clear()
                os.environ.update(saved)
        return self._module.CompletedProcess(args, status)


_JINJA_SYNTAX = re.compile(r"\{[{%#]")

# The syntax the plain-text shortcut below assumes: both tools' defaults (a template may change them,
# copier through `_envops`; then every string goes through Jinja as before).
_DEFAULT_SYNTAX = {
    "block_start_string": "{%",
    "variable_start_string": "{{",
    "comment_start_string": "{#",
    "line_statement_prefix": None,
    "line_comment_prefix": None,
}


# Marks a _PlainText for copier's changed methods: one made by a later load of this module is one too.
PLAIN_TEXT = "backend_component_template_plain_text"


class _PlainText:
    """What a text without Jinja syntax renders to, in any context: the text itself (a one-line string,
    or a file Jinja would not change: see ``plain_files_allowed``)."""

    backend_component_template_plain_text = True  # the attribute PLAIN_TEXT names

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.text


def _cache_string_templates(environment: Environment, cache: SourceKeyedBytecodeCache) -> None:
    """Make ``from_string`` and ``get_template`` cheap: both tools render every path (copier each part
    of it) with the first, and every file with the second.

    A default copier render asks for some 1,100 string templates, cookiecutter for some 240; most are
    plain names rendered again and again (the answers file's name once per file, ``tests`` for every
    file under it). Jinja would compile each one every time, and consults a bytecode cache only for
    templates from a loader. Here a one-line text without Jinja syntax is handed back as it is (Jinja
    would render it unchanged: it only rewrites newlines, and there are none); text with Jinja in it is
    compiled once per render and kept on disk, so the next render loads it instead.

    A file without Jinja syntax is handed back as it is too, where Jinja would render it unchanged.

    Both tools call only ``render`` on what ``from_string`` and ``get_template`` return. Copier's yield
    tag resets its state while compiling, so a cached or plain template leaves it as it was: this
    template has no yield tag.
    """
    compile_template: Callable[..., Any] = environment.compile
    from_string: Callable[..., Any] = environment.from_string
    compiled: dict[str, Any] = {}
    plain_text_allowed = all(
        getattr(environment, option) == value for option, value in _DEFAULT_SYNTAX.items()
    )

    def from_string_or_plain_text(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if (
            plain_text_allowed
            and isinstance(source, str)
            and globals is None
            and template_class is None
            and "\n" not in source
            and "\r" not in source
            and not _JINJA_SYNTAX.search(source)
        ):
            return _PlainText(source)
        return from_string(source, globals, template_class)

    def compile_with_cache(
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        # Compiled as Jinja would: whole output paths (cookiecutter's: absolute, new each render; kept
        # they would only fill memory and the cache) and plain text of several lines (seldom asked for).
        once = not isinstance(source, str) or source.startswith("/") or not _JINJA_SYNTAX.search(source)
        if once or name is not None or filename is not None or raw or defer_init:
            return compile_template(source, name, filename, raw, defer_init)
        if source not in compiled:
            bucket = cache.get_bucket(environment, "", None, source)
            if bucket.code is None:
                bucket.code = compile_template(source)
                cache.set_bucket(bucket)
            compiled[source] = bucket.code
        return compiled[source]

    get_template: Callable[..., Any] = environment.get_template
    # A whole file renders to itself only where Jinja would neither drop its last newline nor rewrite
    # its newlines; both tools keep the last newline, and neither changes the newline sequence.
    plain_files_allowed = (
        plain_text_allowed and environment.keep_trailing_newline and environment.newline_sequence == "\n"
    )

    def get_template_or_plain_text(name: Any, parent: Any = None, globals: Any = None) -> Any:
        # 86 of the component's 213 files have no Jinja in them: handed back as they are, without the
        # bytecode cache's lookup and load (both tools then call only `render`). The rest are read twice.
        loader = environment.loader
        if plain_files_allowed and isinstance(name, str) and parent is None and globals is None and loader:
            try:
                source = loader.get_source(environment, name)[0]
            except TemplateNotFound:
                source = None  # Jinja's own lookup raises the error the tools expect.
            if source is not None and "\r" not in source and not _JINJA_SYNTAX.search(source):
                return _PlainText(source)
        return get_template(name, parent, globals)

    environment.from_string = from_string_or_plain_text  # type: ignore[method-assign]
    environment.compile = compile_with_cache  # type: ignore[method-assign]
    environment.get_template = get_template_or_plain_text  # type: ignore[method-assign]

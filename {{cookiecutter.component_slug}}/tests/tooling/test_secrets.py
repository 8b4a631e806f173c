"""The secret scan (ADR 0023): detect-secrets against .secrets.baseline, as the pre-commit hook runs it on
a commit's files and `make lint` on every tracked file (scripts/secret_scan.py).

The scan of every tracked file is `make lint`'s own step (seconds: every line through every plugin), so
these tests check that it is wired as the hook is, that it fails on a secret, and what `make lint`'s
record of clean files saves and never hides, on small repositories of their own; they do not repeat it.
"""

from __future__ import annotations

import json
import secrets
import shlex
import string
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information
from detect_secrets.__version__ import VERSION as DETECT_SECRETS_VERSION

from contracts.schemas import ROOT
from scripts import secret_scan

CONFIG = ROOT / ".pre-commit-config.yaml"
BASELINE = ROOT / ".secrets.baseline"
MAKEFILE = ROOT / "Makefile"
SCAN = "detect-secrets-hook --no-verify --baseline .secrets.baseline"


def hook_command() -> list[str]:
    """The detect-secrets hook's command, as pre-commit runs it from the component's root."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"] if hook["id"] == "detect-secrets"]
    assert len(hooks) == 1, "the detect-secrets hook is missing from .pre-commit-config.yaml"
    (hook,) = hooks
    # Nothing narrows the files it is given (the baseline's filters leave out the locks and .cruft.json):
    # pre-commit passes it every file of a commit, as `make lint` every tracked file.
    assert set(hook) == {"id", "name", "entry", "language"}, f"the hook skips files: {hook}"
    assert hook["entry"].endswith(SCAN)
    return shlex.split(hook["entry"])


def scan(*files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*hook_command(), *files], cwd=ROOT, capture_output=True, text=True, check=False)


def made_up_aws_keys() -> tuple[str, str]:
    """An access key id and a secret access key of AWS's shapes, random: this file holds no secret."""
    key_id = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    alphabet = string.ascii_letters + string.digits + "/+"
    return key_id, "".join(secrets.choice(alphabet) for _ in range(40))


def test_a_planted_secret_fails_the_scan(tmp_path: Path) -> None:
    key_id, secret_key = made_up_aws_keys()
    planted = tmp_path / "settings.py"
    planted.write_text(
        f"REGION = 'eu-west-2'\nACCESS_KEY_ID = {key_id!r}\nSECRET_ACCESS_KEY = {secret_key!r}\n",
        encoding="utf-8",
    )
    clean = tmp_path / "names.py"
    clean.write_text("TABLE_NAME = 'store'\n", encoding="utf-8")
    result = scan(str(planted), str(clean))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "AWS Access Key" in result.stdout
    assert f"Location:    {planted}:2" in result.stdout
    assert str(clean) not in result.stdout


def test_make_lint_scans_every_tracked_file_with_the_hooks_command() -> None:
    recipe = MAKEFILE.read_text(encoding="utf-8").split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "\t$(RUN) python -m scripts.secret_scan\n" in recipe
    assert " ".join(hook_command()) == f"scripts/uv run --locked {SCAN}"
    assert f"detect-secrets-hook {' '.join(secret_scan.ARGUMENTS)}" == SCAN


class Watched:
    """A hook for the scan (detect-secrets' own as `make lint` runs it, unless another is given), noting
    the files each run handed it."""

    def __init__(self, hook: Callable[[Path, list[str]], int] = secret_scan.run_hook) -> None:
        self.hook = hook
        self.runs: list[list[str]] = []

    def __call__(self, root: Path, names: list[str]) -> int:
        self.runs.append(sorted(names))
        return self.hook(root, names)


def passing(root: Path, names: list[str]) -> int:
    """A scan that finds nothing, for the tests of what is handed to it."""
    return 0


def repository(root: Path, files: dict[str, str]) -> Path:
    """A component's shape for the scan: its baseline, tracked files and a .venv to keep the record in."""
    (root / ".venv").mkdir(parents=True)
    (root / secret_scan.BASELINE).write_bytes(BASELINE.read_bytes())
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "--quiet", "--initial-branch", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "--all"], cwd=root, check=True)
    return root


def test_a_clean_scan_is_not_repeated_and_a_changed_file_alone_is_scanned_again(tmp_path: Path) -> None:
    root = repository(tmp_path, {"names.py": "TABLE_NAME = 'store'\n", "region.py": "REGION = 'eu-west-2'\n"})
    hook = Watched()

    assert secret_scan.scan(root, hook) == 0
    assert secret_scan.scan(root, hook) == 0
    (root / "region.py").write_text("REGION = 'eu-west-1'\n", encoding="utf-8")
    assert secret_scan.scan(root, hook) == 0

    assert hook.runs == [[".secrets.baseline", "names.py", "region.py"], ["region.py"]]


def test_a_secret_in_a_file_that_scanned_clean_fails_every_run_until_it_is_gone(tmp_path: Path) -> None:
    root = repository(tmp_path, {"settings.py": "REGION = 'eu-west-2'\n", "names.py": "TABLE = 'store'\n"})
    hook = Watched()
    assert secret_scan.scan(root, hook) == 0
    key_id, secret_key = made_up_aws_keys()
    planted = f"REGION = 'eu-west-2'\nACCESS_KEY_ID = {key_id!r}\nSECRET_ACCESS_KEY = {secret_key!r}\n"
    (root / "settings.py").write_text(planted, encoding="utf-8")

    # Not staged: the scan reads the files as they are, as detect-secrets does.
    assert secret_scan.scan(root, hook) == 1
    assert secret_scan.scan(root, hook) == 1, "a failed run records nothing: the finding stays found"
    (root / "settings.py").write_text("REGION = 'eu-west-2'\n", encoding="utf-8")
    assert secret_scan.scan(root, hook) == 0

    assert hook.runs[1:] == [["settings.py"], ["settings.py"]], "the clean run's record held for the rest"


def test_another_baseline_or_scanner_version_scans_every_file_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repository(tmp_path, {"names.py": "TABLE_NAME = 'store'\n"})
    hook = Watched(passing)

    assert secret_scan.scan(root, hook) == 0
    baseline = root / secret_scan.BASELINE
    baseline.write_text(baseline.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert secret_scan.scan(root, hook) == 0
    monkeypatch.setattr(secret_scan, "version", lambda _: "0.0.1")
    assert secret_scan.scan(root, hook) == 0
    assert secret_scan.scan(root, hook) == 0

    assert hook.runs == [[".secrets.baseline", "names.py"]] * 3


def test_a_file_as_it_was_before_it_was_saved_during_a_scan_is_not_taken_as_scanned(tmp_path: Path) -> None:
    before, saved = "REGION = 'eu-west-2'\n", "REGION = 'eu-west-1'\n"
    root = repository(tmp_path, {"names.py": "TABLE_NAME = 'store'\n", "region.py": before})

    def saving_meanwhile(root: Path, names: list[str]) -> int:
        (root / "region.py").write_text(saved, encoding="utf-8")
        return 0  # The scanner read the saved file, never the one fingerprinted before it ran.

    hook = Watched(saving_meanwhile)
    assert secret_scan.scan(root, hook) == 0
    (root / "region.py").write_text(before, encoding="utf-8")  # undone: never scanned in this form
    assert secret_scan.scan(root, hook) == 0
    assert hook.runs == [[".secrets.baseline", "names.py", "region.py"], ["region.py"]]


def test_without_an_environment_to_keep_the_record_in_every_run_scans_everything(tmp_path: Path) -> None:
    root = repository(tmp_path, {"names.py": "TABLE_NAME = 'store'\n"})
    (root / ".venv").rmdir()
    hook = Watched(passing)

    assert secret_scan.scan(root, hook) == secret_scan.scan(root, hook) == 0
    assert hook.runs == [[".secrets.baseline", "names.py"]] * 2


def test_the_baseline_is_the_installed_scanners_and_holds_only_audited_false_positives() -> None:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    # A newer detect-secrets rewrites an older baseline at its first run, failing the hook once.
    assert baseline["version"] == DETECT_SECRETS_VERSION, (
        "uv.lock has another detect-secrets than .secrets.baseline: run "
        "`scripts/uv run --locked detect-secrets scan --baseline .secrets.baseline` and commit it"
    )
    unaudited = [
        f"{name}:{finding.get('line_number')} ({finding['type']})"
        for name, findings in baseline["results"].items()
        for finding in findings
        if finding.get("is_secret") is not False
    ]
    assert unaudited == [], (
        "judge each finding with `scripts/uv run --locked detect-secrets audit .secrets.baseline`: a real "
        "secret is removed (and revoked), a false positive is marked so"
    )
    excluded = [
        pattern
        for used in baseline["filters_used"]
        if used["path"].endswith("should_exclude_file")
        for pattern in used["pattern"]
    ]
    assert excluded, "the baseline leaves out the locks (their hashes are high-entropy by design)"

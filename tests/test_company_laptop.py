"""The README's quickstart on a company laptop: the settings a squad's machine often has that a new one
does not, all at once. Git says `core.autocrlf=true`, ignores `.python-version`, `.npmrc` and lock
files in a global gitignore, and runs every repository's hooks from a company folder (core.hooksPath);
uv's settings name a company package mirror as the default index; every request goes through an HTTP
proxy whose NO_PROXY names no loopback address; and another project's virtual environment is still
active in the shell. Each of these broke a step of the first
ten minutes, or cluttered it (CHANGELOG, Unreleased); here they are together, on the path a squad
takes: a clone, `./bootstrap.sh`, the printed next steps, a first commit, the integration tests.

The uv and npm caches are this machine's (the quickstart test pays for a new laptop's downloads), the
mypy cache the worker's (the first commit's hook type-checks the libraries' part once per worker), and
the proxy is a real one on loopback (tests/forward_proxy.py) that records every host it is sent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.forward_proxy import LOOPBACK, forward_proxy
from tests.package_mirror import package_mirror
from tests.rendering import ROOT, follow, fresh_clone, next_steps
from tests.test_line_endings import with_crlf
from tests.test_quickstart import new_laptop_environment

GLOBAL_GITIGNORE = [".python-version", ".npmrc", "*.lock", ".idea/"]
# The company's package mirror, the default index in the user's uv settings, reached through the proxy.
# The locks name PyPI's files: a lock whose index is not among uv's settings was refused by every
# `--locked` command ("needs to be updated"), so pyproject.toml names PyPI too.
MIRROR_HOST = "pypi-mirror.company.example"
# Where the first ten minutes may send requests: PyPI (uv, and pip fetching uv), npm's registry and the
# company's mirror.
PACKAGE_INDEXES = {"pypi.org", "files.pythonhosted.org", "registry.npmjs.org", MIRROR_HOST}


def machine_cache(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def company_home(home: Path, ran: Path) -> Path:
    """A HOME whose git config has the company's settings; ``ran`` records the company's hooks."""
    hooks = home / "company-hooks"
    hooks.mkdir(parents=True)
    for name in ("pre-commit", "commit-msg"):
        (hooks / name).write_text(f'#!/bin/sh\necho "company {name}" >> "{ran}"\n', encoding="utf-8")
        (hooks / name).chmod(0o755)
    (home / ".gitignore_global").write_text("\n".join(GLOBAL_GITIGNORE) + "\n", encoding="utf-8")
    (home / ".config" / "uv").mkdir(parents=True)
    (home / ".config" / "uv" / "uv.toml").write_text(
        f'[[index]]\nname = "company"\nurl = "http://{MIRROR_HOST}/simple"\ndefault = true\n',
        encoding="utf-8",
    )
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Squad Member\n\temail = member@company.example\n"
        "[core]\n\tautocrlf = true\n\texcludesFile = ~/.gitignore_global\n\thooksPath = ~/company-hooks\n",
        encoding="utf-8",
    )
    return home


@pytest.mark.slow
def test_the_quickstart_works_on_a_company_laptop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mypy_cache: Path
) -> None:
    ran = tmp_path / "company-hooks-ran"
    home = company_home(tmp_path / "home", ran)
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    caches = {
        "UV_CACHE_DIR": machine_cache([uv, "cache", "dir"]),
        "npm_config_cache": machine_cache(["npm", "config", "get", "cache"]),
        "MYPY_CACHE_DIR": str(mypy_cache),
    }
    with (
        package_mirror(MIRROR_HOST) as mirror,
        forward_proxy({MIRROR_HOST: mirror.server_address[1]}) as proxy,
    ):
        url = f"http://127.0.0.1:{proxy.server_address[1]}"
        env = new_laptop_environment(home)
        env = {name: value for name, value in env.items() if name.upper() != "NO_PROXY"}
        env.update(caches, NO_PROXY=".intranet.company.example", no_proxy=".intranet.company.example")
        env.update(dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"), url))
        # uv warned on every command that it ignores it, and suggested `--active`.
        env["VIRTUAL_ENV"] = str(tmp_path / "another-project" / ".venv")

        # The clone, under the company's git config (core.autocrlf=true).
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        clone = fresh_clone(tmp_path / "backend-component-template")
        monkeypatch.delenv("GIT_CONFIG_GLOBAL")
        assert with_crlf(clone) == []

        def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200, check=False
            )
            output = done.stdout + done.stderr
            assert done.returncode == 0, f"{' '.join(command)}:\n{output[-5000:]}"
            return done

        bootstrapped = run(["./bootstrap.sh", "--skip-verify"], clone)
        printed = bootstrapped.stdout
        assert "does not match the project environment" not in printed + bootstrapped.stderr
        component = clone / "build" / "inventory"
        # The mirror served what no lock names (the build backend of the component's own package), and
        # the lock was left as rendered, naming PyPI's files.
        assert "/simple/hatchling/" in mirror.paths, mirror.paths
        assert MIRROR_HOST not in (component / "uv.lock").read_text(encoding="utf-8")
        tracked = set(run(["git", "ls-files"], component).stdout.split())
        assert {".python-version", ".npmrc", "uv.lock", "package-lock.json"} <= tracked
        assert with_crlf(component) == []

        # The printed next steps, as printed, in a new shell with the same settings.
        steps = next_steps(printed)
        assert {"make test-unit", "make hooks"} <= set(steps), steps
        done = follow([step for step in steps if not step.startswith("git remote")], clone, env)
        assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
        assert "does not match the project environment" not in done.stderr, done.stderr[-3000:]
        assert "calls yours from there: commit-msg, pre-commit" in done.stdout, done.stdout[-3000:]

        # A first change, committed through both sets of hooks, then the tests on the emulators.
        with (component / "README.md").open("a", encoding="utf-8") as readme:
            readme.write("\nOur squad's first change.\n")
        commit = run(["git", "commit", "-am", "Our first change"], component)
        committed = commit.stdout + commit.stderr
        assert re.search(r"^detect-secrets.*Passed$", committed, re.MULTILINE), committed
        assert ran.read_text(encoding="utf-8").splitlines() == ["company pre-commit", "company commit-msg"]
        run(["make", "test-integration"], component)

    # A company's proxy cannot reach this machine's loopback: no request to an emulator, the local
    # deploy or a test's own server may have gone through it (this one would have passed them on).
    through_proxy = sorted(set(proxy.hosts))
    assert not set(through_proxy) & LOOPBACK, f"loopback requests went through the proxy: {through_proxy}"
    # And nothing but the package indexes was asked for anything: the secret scan used to send the unit
    # tests' made-up AWS key to sts.amazonaws.com to try it (component ADR 23).
    assert set(through_proxy) <= PACKAGE_INDEXES, through_proxy

"""Generate cookiecutter.json from copier.yml, so the questions are written once.

    python scripts/sync_questions.py          # rewrite cookiecutter.json
    python scripts/sync_questions.py --check  # exit 1 when cookiecutter.json is stale

Cookiecutter has no per-question validators: the generated file ends with the computed variable
``__answers_checked``, which runs the shared rules once every answer is known and before any file is
written (see docs/architecture/decisions/0002-one-source-for-cookiecutter-and-copier.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COPIER_YML = ROOT / "copier.yml"
COOKIECUTTER_JSON = ROOT / "cookiecutter.json"


def questions(copier_yml: Path = COPIER_YML) -> dict[str, dict[str, Any]]:
    """The questions of copier.yml in order, without copier's own ``_`` settings."""
    document = yaml.safe_load(copier_yml.read_text(encoding="utf-8"))
    return {name: spec for name, spec in document.items() if not name.startswith("_")}


def cookiecutter_json(copier_yml: Path = COPIER_YML) -> str:
    asked = questions(copier_yml)
    # Yes/no questions get string defaults: given a boolean default, cookiecutter converts a bad answer
    # itself and stops with a traceback; as strings they reach the shared rules, which refuse a bad
    # spelling by name and turn the good ones into booleans (hooks/answers.py, reject_invalid_answers).
    context: dict[str, Any] = {
        name: str(spec["default"]).lower() if spec["type"] == "bool" else spec["default"]
        for name, spec in asked.items()
    }
    context["__answers_checked"] = "{{ cookiecutter | reject_invalid_answers }}"
    context["__prompts__"] = {name: prompt(spec) for name, spec in asked.items()}
    # Which questions are yes/no, for hooks/yes_no.py: every render sees them as booleans, even one
    # the gate does not reach (`cruft update` of a component made before a yes/no question was added).
    context["_yes_no"] = [name for name, spec in asked.items() if spec["type"] == "bool"]
    context["_extensions"] = ["hooks.answers.ComponentAnswers", "hooks.yes_no.YesNoAnswers"]
    return json.dumps(context, indent=2, ensure_ascii=False) + "\n"


def prompt(spec: dict[str, Any]) -> str:
    """Cookiecutter's question text: the help, and for a yes/no question (a string there) how to answer."""
    return f"{spec['help']} (yes/no)" if spec["type"] == "bool" else str(spec["help"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail instead of writing when stale")
    args = parser.parse_args(argv)
    wanted = cookiecutter_json()
    current = COOKIECUTTER_JSON.read_text(encoding="utf-8") if COOKIECUTTER_JSON.exists() else ""
    if current == wanted:
        return 0
    if args.check:
        print("cookiecutter.json is stale: run `make questions` and commit the result", file=sys.stderr)
        return 1
    COOKIECUTTER_JSON.write_text(wanted, encoding="utf-8")
    print("cookiecutter.json regenerated from copier.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())

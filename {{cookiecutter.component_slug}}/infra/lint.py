"""cfn-lint on synthesized templates: every error and warning fails, except the ones ignored below.

scripts/uv run python -m infra.lint cdk.out/dev cdk.out/prod   # `make synth` runs it after synthesizing
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from cfnlint.api import ManualArgs, lint_by_config

from {{ cookiecutter.package_name }}.settings import REGION

# Each ignored check with its reason; nothing else is ignored.
IGNORED_CHECKS = {
    # CDK adds DependsOn from a function to its role's policy so the policy exists before the first
    # invocation; cfn-lint sees the role's GetAtt and calls the DependsOn redundant. It is harmless.
    "W3005": "redundant DependsOn that CDK emits for a function's role",
}


def findings(templates: Sequence[Path], region: str = REGION) -> dict[Path, list[str]]:
    """cfn-lint's findings on each template file, one line each.

    One cfn-lint run for all the templates: it loads its rules once (about half a second).
    """
    config = ManualArgs(
        templates=[str(template) for template in templates],
        regions=[region],
        ignore_checks=sorted(IGNORED_CHECKS),
    )
    found: dict[Path, list[str]] = {template: [] for template in templates}
    for match in lint_by_config(config):
        # A finding about no template in particular (cfn-lint's own configuration) fails too.
        where = Path(match.filename) if match.filename else Path("cfn-lint")
        # (A finding on the template's syntax has no path in it, only a line.)
        path = "/".join(map(str, getattr(match, "path", None) or [f"line {match.linenumber}"]))
        found.setdefault(where, []).append(f"{match.rule.id} {match.message} ({path})")
    return found


def main(directories: Sequence[str | Path]) -> int:
    templates = sorted(path for directory in directories for path in Path(directory).glob("*.template.json"))
    if not templates:
        print(f"no templates in {' '.join(map(str, directories))}: synthesize first", file=sys.stderr)
        return 1
    failed = 0
    for template, found in findings(templates).items():
        failed += len(found)
        for line in found:
            print(f"{template}: {line}", file=sys.stderr)
        print(f"cfn-lint {template}: {len(found)} finding(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

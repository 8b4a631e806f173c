"""cfn-lint on synthesized templates: every error and warning fails, except the ones ignored below.

uv run python -m infra.lint cdk.out/dev cdk.out/prod
"""

from __future__ import annotations

import sys
from pathlib import Path

from cfnlint.api import ManualArgs, lint

from {{ cookiecutter.package_name }}.settings import REGION

# Each ignored check with its reason; nothing else is ignored.
IGNORED_CHECKS = {
    # CDK adds DependsOn from a function to its role's policy so the policy exists before the first
    # invocation; cfn-lint sees the role's GetAtt and calls the DependsOn redundant. It is harmless.
    "W3005": "redundant DependsOn that CDK emits for a function's role",
}


def findings(template: str, region: str = REGION) -> list[str]:
    """cfn-lint's findings on one template (its JSON text), one line each."""
    config = ManualArgs(regions=[region], ignore_checks=sorted(IGNORED_CHECKS))
    return [
        f"{match.rule.id} {match.message} ({'/'.join(map(str, match.path))})"
        for match in lint(template, config=config)
    ]


def main(directories: list[str]) -> int:
    templates = sorted(path for directory in directories for path in Path(directory).glob("*.template.json"))
    if not templates:
        print(f"no templates in {' '.join(directories)}: synthesize first", file=sys.stderr)
        return 1
    failed = 0
    for template in templates:
        found = findings(template.read_text(encoding="utf-8"))
        failed += len(found)
        for line in found:
            print(f"{template}: {line}", file=sys.stderr)
        print(f"cfn-lint {template}: {len(found)} finding(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

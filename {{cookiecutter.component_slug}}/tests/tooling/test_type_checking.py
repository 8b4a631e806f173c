"""mypy reads only the CDK modules pyproject.toml lists (ADR 0026): each one the code imports is listed.

An unlisted module would be `Any` to mypy, so a mistake in the code that uses it would pass `make lint`
and first show in a synth, or on AWS.
"""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The folders `make lint` type-checks.
CHECKED = ("src", "tests", "benchmarks", "contracts", "infra", "local_deploy", "scripts")


def read_by_mypy() -> set[str]:
    """The modules of the overrides in pyproject.toml that mypy follows as usual."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    overrides = config["tool"]["mypy"]["overrides"]
    return {
        module
        for override in overrides
        if override.get("follow_imports") == "normal"
        for module in override["module"]
    }


def cdk_modules(tree: ast.AST, package: Path) -> set[str]:
    """The aws_cdk modules a file imports.

    `import aws_cdk.x`, `from aws_cdk.x import y` and `from aws_cdk import x` (when x is a module).
    """
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "aws_cdk"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "aws_cdk":
                continue
            found.add(node.module)
            # `from aws_cdk import aws_sqs` imports a module; `from aws_cdk import Stack` a class.
            found |= {f"{node.module}.{a.name}" for a in node.names if (package / a.name).is_dir()}
    return found


def test_every_cdk_module_the_code_imports_is_one_mypy_reads() -> None:
    spec = importlib.util.find_spec("aws_cdk")
    assert spec is not None, "aws-cdk-lib is not installed: run `make install`"
    assert spec.origin is not None
    package = Path(spec.origin).parent
    imported: dict[str, str] = {}
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for module in cdk_modules(tree, package):
                imported.setdefault(module, str(path.relative_to(ROOT)))
    assert "aws_cdk.aws_dynamodb" in imported, "the search found the stack's imports"
    unread = {module: path for module, path in imported.items() if module not in read_by_mypy()}
    assert not unread, "; ".join(
        f'{path} imports {module}, which mypy does not read (it is `Any` to it): add "{module}" to the '
        "list of CDK modules mypy follows in pyproject.toml ([[tool.mypy.overrides]], ADR 0026)"
        for module, path in sorted(unread.items())
    )

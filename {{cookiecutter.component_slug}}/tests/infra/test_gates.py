"""The gates of `make synth` (`python -m infra synth`): a cdk-nag finding and a cfn-lint finding fail it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs

from infra import lint
from infra.app import check, synthesize
from tests.infra.conftest import Synthesized, validation_report


def test_an_unacknowledged_cdk_nag_finding_fails_the_synth(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    # A queue with neither a dead-letter queue nor a TLS-only policy.
    sqs.Queue(Stack(app, "Unchecked"), "Queue")
    check(app)
    assert synthesize(app) is False
    report = validation_report(tmp_path)
    rules = {
        violation["ruleName"] for plugin in report["pluginReports"] for violation in plugin["violations"]
    }
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= rules


def test_a_cfn_lint_finding_fails_the_lint(
    dev: Synthesized, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = dev.json
    (queue,) = [name for name in dev.resources("AWS::SQS::Queue") if name.startswith("StreamFailures")]
    template["Resources"][queue]["Properties"]["NoSuchProperty"] = 1
    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "stack.template.json").write_text(json.dumps(template), encoding="utf-8")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "stack.template.json").write_text("{not json", encoding="utf-8")
    assert lint.main([tmp_path / "wrong", tmp_path / "broken"]) == 1
    errors = capsys.readouterr().err
    assert (
        f"E3002 Additional properties are not allowed ('NoSuchProperty' was unexpected) (Resources/{queue}"
        in errors
    )
    assert "broken/stack.template.json: E0000" in errors


def test_no_template_to_lint_fails(tmp_path: Path) -> None:
    assert lint.main([tmp_path]) == 1


def test_a_deploy_that_chases_a_problem_passes_cfn_lint_too(traced: Synthesized, tmp_path: Path) -> None:
    # `make synth` lints the stages as they are; a deploy with `-c tracing=on -c log_level=DEBUG` adds
    # tracing settings and X-Ray permissions, which must pass the same gate (cdk-nag checked them in synth).
    template = tmp_path / "traced.template.json"
    template.write_text(json.dumps(traced.json), encoding="utf-8")
    assert lint.findings([template]) == {template: []}


def acknowledged_rules() -> set[str]:
    """Every cdk-nag rule the stack's code acknowledges (`Acknowledgment(id=...)` in infra/)."""
    found = set()
    for module in sorted((Path(__file__).resolve().parents[2] / "infra").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Acknowledgment":
                found |= {
                    str(keyword.value.value)
                    for keyword in node.keywords
                    if keyword.arg == "id" and isinstance(keyword.value, ast.Constant)
                }
    return found


def test_every_acknowledged_rule_has_its_reason_in_the_threat_model() -> None:
    # No authorisation, encryption or IAM rule is waved through without the threat model saying why.
    threat_model = next(
        (Path(__file__).resolve().parents[2] / "docs" / "architecture" / "decisions").glob("0024-*.md")
    ).read_text(encoding="utf-8")
    rules = acknowledged_rules()
    assert "AwsSolutions-IAM5[Resource::*]" in rules, "the acknowledgments are found where they are made"
    assert [rule for rule in sorted(rules) if f"`{rule}`" not in threat_model] == []

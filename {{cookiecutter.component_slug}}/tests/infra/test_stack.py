"""The stack's critical settings, read from the synthesized template.

Where a handler owns a setting, the test compares the template with the handler's constant and checks
the constant's bounds: changing either side alone fails here.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information
from aws_cdk.assertions import Match, Template

from {{ cookiecutter.package_name }} import settings
from {{ cookiecutter.package_name }}.handlers import {% if cookiecutter.command_api %}api, {% endif %}{% if cookiecutter.consumer %}consumer, {% endif %}publisher
from {{ cookiecutter.package_name }}.tracing import TRACING_VARIABLE

from infra import app, least_privilege
from infra.app import build, new_app, stage_app
from infra.naming import Deployment
from infra.stack import RUNTIME, SOURCE_DIR, ComponentStack
from tests.infra.conftest import {% if cookiecutter.consumer %}DEV, {% endif %}Synthesized, validation_report
{%- if cookiecutter.consumer %}
from tests.integration import infrastructure
{%- endif %}

TABLE = "AWS::DynamoDB::Table"
FUNCTION = "AWS::Lambda::Function"
MAPPING = "AWS::Lambda::EventSourceMapping"
QUEUE = "AWS::SQS::Queue"


def ref_name(value: dict[str, Any]) -> str:
    """The logical id a Ref or Fn::GetAtt points at."""
    return str(value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0])


def referenced(value: Any) -> set[str]:
    """Every logical id a Ref or Fn::GetAtt anywhere inside ``value`` points at (in a joined ARN, say)."""
    if isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value):
        return {ref_name(value)}
    parts = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return {name for part in parts for name in referenced(part)}


def logical_id(synthesized: Synthesized, kind: str, prefix: str) -> str:
    (name,) = [name for name in synthesized.resources(kind) if name.startswith(prefix)]
    return name


def mapping_of(synthesized: Synthesized, function_prefix: str) -> dict[str, Any]:
    function = logical_id(synthesized, FUNCTION, function_prefix)
    (mapping,) = [
        resource
        for resource in synthesized.resources(MAPPING).values()
        if ref_name(resource["Properties"]["FunctionName"]) == function
    ]
    properties: dict[str, Any] = mapping["Properties"]
    return properties


# ---------------------------------------------------------------- cdk-nag and the CDK's template validator


def test_cdk_nag_and_the_cdk_template_validator_report_nothing(dev: Synthesized) -> None:
    # The fixture's synth would have failed on a cdk-nag finding. The CDK's built-in template validator
    # only warns in a synth (and `make synth` leaves it out, cfn-lint being its gate): its findings
    # fail here, in the same report.
    assert validation_report(dev.outdir)["pluginReports"] == []


# ---------------------------------------------------------------- the event/state table


def test_the_store_table_has_the_keys_the_store_writes(dev: Synthesized) -> None:
    table = dev.one(TABLE, "Store")["Properties"]
    assert table["KeySchema"] == [
        {"AttributeName": "_pk", "KeyType": "HASH"},
        {"AttributeName": "_sk", "KeyType": "RANGE"},
    ]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "_ttl", "Enabled": True}


def test_the_store_streams_what_the_publisher_reads(dev: Synthesized) -> None:
    table = dev.one(TABLE, "Store")["Properties"]
    assert table["StreamSpecification"]["StreamViewType"] in {"NEW_IMAGE", "NEW_AND_OLD_IMAGES"}


@pytest.mark.parametrize("prefix", ["Store"{% if cookiecutter.consumer %}, "Idempotency"{% endif %}])
def test_tables_are_encrypted_and_recoverable(dev: Synthesized, prod: Synthesized, prefix: str) -> None:
    for synthesized in (dev, prod):
        table = synthesized.one(TABLE, prefix)["Properties"]
        assert table["SSESpecification"]["SSEEnabled"] is True
        assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


@pytest.mark.parametrize("prefix", ["Store"{% if cookiecutter.consumer %}, "Idempotency"{% endif %}])
def test_production_tables_are_protected_and_kept(dev: Synthesized, prod: Synthesized, prefix: str) -> None:
    kept = prod.one(TABLE, prefix)
    assert kept["Properties"]["DeletionProtectionEnabled"] is True
    assert kept["DeletionPolicy"] == "Retain"
    assert kept["UpdateReplacePolicy"] == "Retain"
    scratch = dev.one(TABLE, prefix)
    assert scratch["Properties"].get("DeletionProtectionEnabled") is not True
    assert scratch["DeletionPolicy"] == "Delete"


# The resources that hold data or are known by name outside the stack. CloudFormation replaces a resource
# whose logical id changes: a new, empty table or queue, the old one deleted (or, in production, kept
# beside it unused). Renaming or moving a construct changes its id; this set changes only on purpose.
STATEFUL_TYPES = {
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::Events::EventBus",
    "AWS::SNS::Topic",
}
STATEFUL_IDS = {
    "Store1D2A845B",
    "ComponentBus9D6A053F",
    "StreamFailuresE6D4F770",
    "PublisherLogsF6EE885C",
    "AlarmTopicD01E77F9",
    "AlarmTopicKey57B0D3A7",
}
{%- if cookiecutter.consumer %}
STATEFUL_IDS |= {
    "IdempotencyC15CBC33",
    "ConsumerQueue8831D5EC",
    "ConsumerDlq764F6C13",
    "ConsumerDeliveryFailuresA80ED889",
    "ConsumerLogsE1B78D1C",
}
{%- endif %}
{%- if cookiecutter.command_api %}
STATEFUL_IDS |= {
    "ApiLogs3D05D88B",
    "ApiAccessLogsE9DF007D",
}
{%- endif %}
{%- if cookiecutter.jwt_authoriser %}
STATEFUL_IDS |= {
    "AuthorizerLogsBA5DABC9",
}
{%- endif %}


def test_stateful_resources_keep_their_logical_ids(
    dev: Synthesized, prod: Synthesized, traced: Synthesized
) -> None:
    for synthesized in (dev, prod, traced):
        resources = synthesized.json["Resources"].items()
        found = {name for name, resource in resources if resource["Type"] in STATEFUL_TYPES}
        assert found == STATEFUL_IDS, (
            f"{synthesized.deployment.stack_name}: a stateful resource's logical id changed, and the next "
            "deploy would replace it with a new, empty one. Keep its construct's id and place in the "
            "tree, or pin the id (`node.default_child.override_logical_id(...)`); if the replacement is "
            f"intended, migrate its data first. Found {sorted(found - STATEFUL_IDS)}, "
            f"missing {sorted(STATEFUL_IDS - found)}"
        )


def test_only_production_stacks_have_termination_protection(dev: Synthesized, prod: Synthesized) -> None:
    assert prod.termination_protection is True
    assert dev.termination_protection is False


# ---------------------------------------------------------------- publishing


def test_the_stream_mapping_filters_with_the_publishers_filter(dev: Synthesized) -> None:
    mapping = mapping_of(dev, "Publisher")
    (only,) = mapping["FilterCriteria"]["Filters"]
    assert json.loads(only["Pattern"]) == publisher.STREAM_FILTER
    # The filter the publisher relies on: inserted OUTBOUND items only.
    assert publisher.STREAM_FILTER["eventName"] == ["INSERT"]
    assert publisher.STREAM_FILTER["dynamodb"]["Keys"]["_sk"]["S"] == [{"prefix": "OUTBOUND/"}]


def test_the_stream_mapping_retries_a_bounded_number_of_times_then_gives_up_to_a_queue(
    dev: Synthesized,
) -> None:
    mapping = mapping_of(dev, "Publisher")
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BatchSize"] == publisher.BATCH_SIZE
    assert 1 <= publisher.BATCH_SIZE <= 1000
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == publisher.MAXIMUM_RETRY_ATTEMPTS
    assert 0 < publisher.MAXIMUM_RETRY_ATTEMPTS <= 10
    assert mapping["MaximumRecordAgeInSeconds"] == publisher.MAXIMUM_RECORD_AGE_SECONDS
    # Within the stream's 24-hour retention, so a record is given up before the stream drops it.
    assert 60 <= publisher.MAXIMUM_RECORD_AGE_SECONDS < 24 * 3600
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert ref_name(destination) == logical_id(dev, QUEUE, "StreamFailures")


def test_the_publisher_may_put_events_on_both_buses(dev: Synthesized) -> None:
    publisher = logical_id(dev, FUNCTION, "Publisher")
    component_bus = logical_id(dev, "AWS::Events::EventBus", "ComponentBus")
    granted = least_privilege.granted(dev.json, publisher)
    # The shared bus is imported by name: its ARN is joined from parts, and named by its last one.
    assert {resource for action, resource in granted if action == "events:PutEvents"} == {
        component_bus,
        "shared-dev",
    }
{%- if cookiecutter.consumer %}


# ---------------------------------------------------------------- the lazy consumer


def test_the_rule_routes_the_consumers_pattern_from_the_shared_bus_to_its_queue(dev: Synthesized) -> None:
    rule = dev.one("AWS::Events::Rule", "ConsumerRule")["Properties"]
    assert rule["EventPattern"] == consumer.EVENT_PATTERN
    assert rule["EventBusName"] == dev.deployment.shared_bus_name
    (target,) = rule["Targets"]
    assert ref_name(target["Arn"]) == logical_id(dev, QUEUE, "ConsumerQueue")
{%- if cookiecutter.fifo_buffering %}
    assert target["SqsParameters"] == {"MessageGroupId": "{{ cookiecutter.component_slug }}"}
{%- endif %}


def test_a_pattern_of_alternatives_is_the_rule_s_whole_pattern(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Two sources (a subscription to another component's event, ADR 20): the pattern is `$or` alone, and
    # the construct's placeholder (a top-level `source`) must not stay merged beside it.
    alternatives = consumer.event_pattern(
        [("example-org.one", "ThingListed", 1), ("example-org.two", "ThingSold", 2)]
    )
    assert set(alternatives) == {"$or"}
    monkeypatch.setattr(consumer, "EVENT_PATTERN", alternatives)

    stack = build(new_app(outdir=str(tmp_path)), DEV)

    (rule,) = Template.from_stack(stack).find_resources("AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"] == alternatives


def test_the_consumer_queue_redrives_to_its_dlq_after_the_tested_maximum_receives(dev: Synthesized) -> None:
    queue = dev.one(QUEUE, "ConsumerQueue")["Properties"]
    redrive = queue["RedrivePolicy"]
    assert ref_name(redrive["deadLetterTargetArn"]) == logical_id(dev, QUEUE, "ConsumerDlq")
    # One number: the handler's, which the integration tests' stand-in uses too.
    assert redrive["maxReceiveCount"] == consumer.MAX_RECEIVES == infrastructure.MAX_RECEIVES
    assert 1 < consumer.MAX_RECEIVES <= 10
    # Six times the function's timeout, as AWS advises for an SQS event source.
    function = dev.one(FUNCTION, "Consumer")["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
{%- if cookiecutter.fifo_buffering %}


def test_the_consumer_queues_are_fifo(dev: Synthesized) -> None:
    for prefix in ("ConsumerQueue", "ConsumerDlq"):
        queue = dev.one(QUEUE, prefix)["Properties"]
        assert queue["FifoQueue"] is True
        assert queue["ContentBasedDeduplication"] is True
{%- endif %}


def test_the_consumer_mapping_uses_the_handlers_batch_size_and_partial_failures(dev: Synthesized) -> None:
    mapping = mapping_of(dev, "Consumer")
    assert ref_name(mapping["EventSourceArn"]) == logical_id(dev, QUEUE, "ConsumerQueue")
    assert mapping["BatchSize"] == consumer.BATCH_SIZE
{%- if cookiecutter.fifo_buffering %}
    assert consumer.BATCH_SIZE == 1
{%- else %}
    assert 1 <= consumer.BATCH_SIZE <= 10
{%- endif %}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_idempotency_table_is_what_powertools_expects(dev: Synthesized) -> None:
    table = dev.one(TABLE, "Idempotency")["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
{%- endif %}


# ---------------------------------------------------------------- queues


def test_every_queue_is_encrypted_and_refuses_plain_http(dev: Synthesized) -> None:
    queues = dev.resources(QUEUE)
    assert queues
    for name, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, name
        dev.template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": Match.array_with([{"Ref": name}]),
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            )
                        ]
                    )
                },
            },
        )


# ---------------------------------------------------------------- functions


def test_functions_run_the_packaged_handlers_on_the_locked_dependencies_layer(dev: Synthesized) -> None:
    functions = dev.resources(FUNCTION)
    assert len(functions) == 1{% if cookiecutter.consumer %} + 1{% endif %}{% if cookiecutter.command_api %} + 1{% endif %}{% if cookiecutter.jwt_authoriser %} + 1{% endif %}
    ((name, dependencies),) = dev.resources("AWS::Lambda::LayerVersion").items()
    properties = dependencies["Properties"]
    assert properties["CompatibleRuntimes"] == ["python3.13"]
    assert properties["CompatibleArchitectures"] == ["arm64"]
    # Nothing is looked up at deploy time (the public Powertools layer's SSM parameter was).
    assert set(dev.json.get("Parameters", {})) <= {"BootstrapVersion"}
    for function_name, function in functions.items():
        properties = function["Properties"]
        module, _, attribute = properties["Handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute)), function_name
        assert properties["Runtime"] == "python3.13"
        assert properties["Architectures"] == ["arm64"]
        assert properties["Layers"] == [{"Ref": name}], function_name


def test_ci_tests_the_code_on_the_python_of_the_functions_runtime(tmp_path: Path) -> None:
    # checks.yml's lambda-runtime job reads the version from RUNTIME with a step of its own: a RUNTIME that
    # step cannot read fails that job, and one it read wrongly would test the code on another Python.
    root = SOURCE_DIR.parent
    workflow = yaml.safe_load((root / ".github" / "workflows" / "checks.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["lambda-runtime"]["steps"]
    (step,) = [step for step in steps if step.get("id") == "runtime"]
    (tmp_path / "infra").mkdir()
    shutil.copy(root / "infra" / "stack.py", tmp_path / "infra")
    # The shell GitHub runs a step's script with, in a copy: the step rewrites .python-version.
    shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
    subprocess.run([*shell, step["run"]], cwd=tmp_path, check=True)
    version = RUNTIME.name.removeprefix("python")  # python3.13
    assert (tmp_path / ".python-version").read_text(encoding="utf-8") == f"{version}\n"
    after = steps[steps.index(step) + 1 :]
    assert {"uses": "./.github/actions/setup"} in after


def test_functions_log_as_json_to_their_own_group_with_a_retention(dev: Synthesized) -> None:
    for function in dev.resources(FUNCTION).values():
        logging = function["Properties"]["LoggingConfig"]
        assert logging["LogFormat"] == "JSON"
        assert ref_name(logging["LogGroup"]) in dev.resources("AWS::Logs::LogGroup")
    for group in dev.resources("AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] == 30


def test_functions_are_traced_only_where_the_deployment_traces(dev: Synthesized, traced: Synthesized) -> None:
    assert not dev.deployment.traced, "off unless a stage or the context switches it on"
    for function in dev.resources(FUNCTION).values():
        assert "TracingConfig" not in function["Properties"]
        assert TRACING_VARIABLE not in function["Properties"]["Environment"]["Variables"]
        assert function["Properties"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert function["Properties"]["LoggingConfig"]["ApplicationLogLevel"] == "INFO"
    for function in traced.resources(FUNCTION).values():
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
        assert function["Properties"]["Environment"]["Variables"][TRACING_VARIABLE] == "on"
        assert function["Properties"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
        # Lambda drops what is below its own level: DEBUG lines reach CloudWatch only if it says DEBUG too.
        assert function["Properties"]["LoggingConfig"]["ApplicationLogLevel"] == "DEBUG"
    # X-Ray's two write actions have no resource-level permissions; nothing else joins them on "*".
    for statement in statements(traced):
        if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource", [])):
            actions = set(as_list(statement["Action"]))
            assert actions <= {"dynamodb:ListStreams", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def environment(synthesized: Synthesized, prefix: str) -> dict[str, str]:
    variables = synthesized.one(FUNCTION, prefix)["Properties"]["Environment"]["Variables"]
    return dict.fromkeys(variables, "set")


def test_each_function_gets_every_setting_its_handler_reads(dev: Synthesized) -> None:
    # from_environment raises MissingSetting for any variable the stack forgot.
    settings.PublisherSettings.from_environment(environment(dev, "Publisher"))
{%- if cookiecutter.consumer %}
    settings.ConsumerSettings.from_environment(environment(dev, "Consumer"))
{%- endif %}
{%- if cookiecutter.command_api %}
    settings.StoreSettings.from_environment(environment(dev, "Api"))
{%- endif %}


def test_the_code_asset_is_the_package_and_nothing_else(dev: Synthesized) -> None:
    # The function's S3 key is the asset's hash; the assets manifest says which staged folder that is.
    key = dev.one(FUNCTION, "Publisher")["Properties"]["Code"]["S3Key"]
    manifest_file = dev.outdir / f"{dev.deployment.stack_name}.assets.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    source = manifest["files"][key.removesuffix(".zip")]["source"]
    assert source["packaging"] == "zip"
    asset = dev.outdir / source["path"]
    assert sorted(path.name for path in asset.iterdir()) == ["{{ cookiecutter.package_name }}"]
    assert (asset / "{{ cookiecutter.package_name }}" / "handlers" / "publisher.py").is_file()
    assert not list(asset.rglob("__pycache__"))


# ---------------------------------------------------------------- IAM


def statements(synthesized: Synthesized) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for kind in ("AWS::IAM::Policy", "AWS::SQS::QueuePolicy"):
        for resource in synthesized.resources(kind).values():
            found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_policy_allows_a_wildcard_action(dev: Synthesized) -> None:
    # (Denies may be broad: the queues deny every SQS action over plain HTTP.)
    for statement in statements(dev):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement


def test_only_list_streams_is_granted_on_every_resource(dev: Synthesized) -> None:
    for statement in statements(dev):
        if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource", [])):
            assert as_list(statement["Action"]) == ["dynamodb:ListStreams"], statement


def test_no_function_uses_a_managed_policy(dev: Synthesized) -> None:
    for role in dev.resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
{%- if cookiecutter.command_api %}


# ---------------------------------------------------------------- the command and query API
{%- if cookiecutter.jwt_authoriser %}


def test_every_api_method_requires_the_jwt_authoriser(dev: Synthesized) -> None:
    (authorizer_id,) = dev.resources("AWS::ApiGateway::Authorizer")
    methods = dev.resources("AWS::ApiGateway::Method")
    assert methods
    for name, method in methods.items():
        assert method["Properties"]["AuthorizationType"] == "CUSTOM", name
        assert method["Properties"]["AuthorizerId"] == {"Ref": authorizer_id}, name


def test_the_authoriser_asks_the_authorizer_function_about_every_request(dev: Synthesized) -> None:
    properties = dev.one("AWS::ApiGateway::Authorizer")["Properties"]
    # REQUEST: the function gets the request id (the logs' correlation id); without the header API
    # Gateway answers 401 itself. No result cache: the answer allows one method only (infra/stack.py).
    assert properties["Type"] == "REQUEST"
    assert properties["IdentitySource"] == "method.request.header.Authorization"
    assert properties["AuthorizerResultTtlInSeconds"] == 0
    (function,) = [
        name
        for name, resource in dev.resources(FUNCTION).items()
        if resource["Properties"]["Handler"].endswith(".handlers.authorizer.lambda_handler")
    ]
    assert function in json.dumps(properties["AuthorizerUri"])


@pytest.mark.parametrize("stage", settings.STAGES)
def test_the_authoriser_takes_the_stage_s_issuer_and_audience_and_no_keys_but_theirs(
    stage: str, stacks: dict[str, Synthesized]
) -> None:
    (synthesized,) = [
        stack for stack in stacks.values() if stack.deployment.stage == stage and not stack.deployment.branch
    ]
    (function,) = [
        resource["Properties"]
        for resource in synthesized.resources(FUNCTION).values()
        if resource["Properties"]["Handler"].endswith(".handlers.authorizer.lambda_handler")
    ]
    variables = function["Environment"]["Variables"]
    expected = settings.JwtSettings.for_stage(stage)
    assert (variables["JWT_ISSUER"], variables["JWT_AUDIENCE"]) == (expected.issuer, expected.audience)
    assert "JWT_KEYS" not in variables, "on AWS the keys come from the issuer, never from the stack"
    outputs = synthesized.json["Outputs"]
    assert outputs["JwtIssuer"]["Value"] == expected.issuer
    assert outputs["JwtAudience"]["Value"] == expected.audience
{%- else %}


def test_every_api_method_requires_iam_authorisation(dev: Synthesized) -> None:
    methods = dev.resources("AWS::ApiGateway::Method")
    assert methods
    for name, method in methods.items():
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM", name
{%- endif %}


def test_the_api_serves_exactly_the_handlers_routes(dev: Synthesized) -> None:
    routes = {
        (method.upper(), path)
        for path, item in (api.app.get_openapi_schema().paths or {}).items()
        for method in ("get", "post", "put", "patch", "delete")
        if getattr(item, method, None) is not None
    }
    served = len(dev.resources("AWS::ApiGateway::Method"))
    assert served == len(routes), (
        f"the stack serves {served} methods and handlers/api.py has {len(routes)} routes: the loop over "
        "the routes in infra/stack.py serves get, post, put, patch and delete; add any other verb there"
    )
    for verb, path in routes:
        part = path.rstrip("/").rsplit("/", 1)[-1]
        dev.template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": part})
        dev.template.has_resource_properties("AWS::ApiGateway::Method", {"HttpMethod": verb})


def test_the_api_is_named_after_its_stack(dev: Synthesized) -> None:
    assert dev.one("AWS::ApiGateway::RestApi")["Properties"]["Name"] == dev.deployment.stack_name


def test_a_failed_function_gets_the_caller_a_problem_that_says_what_to_do(dev: Synthesized) -> None:
    (response,) = dev.resources("AWS::ApiGateway::GatewayResponse").values()
    assert response["Properties"]["ResponseType"] == "DEFAULT_5XX"
    body = json.loads(response["Properties"]["ResponseTemplates"]["application/json"])
    assert set(body) == {"message"}, "the Problem shape of every other refusal"
    assert "$context.requestId" in body["message"]
    assert "send it again with the same Idempotency-Key" in body["message"]


def test_the_api_stage_is_throttled_and_logs_access(dev: Synthesized) -> None:
    stage = dev.one("AWS::ApiGateway::Stage")["Properties"]
    assert stage["StageName"] == "dev"
    (settings_,) = stage["MethodSettings"]
    assert 0 < settings_["ThrottlingRateLimit"] <= 1000
    assert 0 < settings_["ThrottlingBurstLimit"] <= 2000
    # The destination is the log group's ARN, joined from parts around its name.
    destination = referenced(stage["AccessLogSetting"]["DestinationArn"])
    assert len(destination & set(dev.resources("AWS::Logs::LogGroup"))) == 1
{%- endif %}


# ---------------------------------------------------------------- alarms and outputs


def alarms(synthesized: Synthesized) -> list[dict[str, Any]]:
    return [alarm["Properties"] for alarm in synthesized.resources("AWS::CloudWatch::Alarm").values()]


@pytest.mark.parametrize("function", ["Publisher"{% if cookiecutter.consumer %}, "Consumer"{% endif %}{% if cookiecutter.command_api %}, "Api"{% endif %}])
def test_function_errors_raise_an_alarm(dev: Synthesized, function: str) -> None:
    name = logical_id(dev, FUNCTION, function)
    assert any(
        alarm["MetricName"] == "Errors"
        and alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
        for alarm in alarms(dev)
    )


@pytest.mark.parametrize("function", ["Publisher"{% if cookiecutter.consumer %}, "Consumer"{% endif %}{% if cookiecutter.command_api %}, "Api"{% endif %}])
def test_a_throttled_function_raises_an_alarm(dev: Synthesized, function: str) -> None:
    name = logical_id(dev, FUNCTION, function)
    assert any(
        alarm["MetricName"] == "Throttles"
        and alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
        for alarm in alarms(dev)
    )


def component_alarm(synthesized: Synthesized, metric: str) -> dict[str, Any] | None:
    """The alarm on one of the metrics the functions emit (their namespace, the service dimension)."""
    found = [
        alarm
        for alarm in alarms(synthesized)
        if alarm.get("Namespace") == settings.METRICS_NAMESPACE and alarm["MetricName"] == metric
    ]
    for alarm in found:
        # The stack's own: a branch stack's alarms count its functions alone, not the stage's as well.
        assert alarm["Dimensions"] == [{"Name": "service", "Value": synthesized.deployment.stack_name}]
    return found[0] if found else None


def test_a_publish_failure_raises_an_alarm(dev: Synthesized) -> None:
    alarm = component_alarm(dev, "PublishFailures")
    assert alarm is not None
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 1)
{%- if cookiecutter.command_api %}


def test_a_command_the_store_could_not_take_raises_an_alarm(dev: Synthesized) -> None:
    # The API answers it with a 503 (ADR 28): no function error, so no `ApiErrors` alarm either.
    alarm = component_alarm(dev, "CommandsFailed")
    assert alarm is not None
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 1)
{%- endif %}
{%- if cookiecutter.consumer %}


def test_a_consumed_event_older_than_the_consumer_s_limit_raises_an_alarm(dev: Synthesized) -> None:
    alarm = component_alarm(dev, "EventAge")
    assert alarm is not None
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", consumer.EVENT_AGE_ALARM_SECONDS)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_silence_raises_an_alarm_on_the_stages_that_ask_for_it(
    stacks: dict[str, Synthesized], stage: str
) -> None:
    (synthesized,) = [s for s in stacks.values() if s.deployment.stage == stage and not s.deployment.branch]
    alarm = component_alarm(synthesized, "EventsApplied")
    minutes = consumer.SILENCE_ALARM_MINUTES.get(stage)
    if minutes is None:
        assert alarm is None, f"no silence alarm on {stage}"
        return
    assert alarm is not None
    assert alarm["Period"] * alarm["EvaluationPeriods"] == minutes * 60 <= 24 * 60 * 60
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching", "no data is the silence the alarm is for"
{%- endif %}


def test_the_dashboard_shows_every_metric_the_functions_emit(dev: Synthesized) -> None:
    body = json.dumps(dev.one("AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"])
    emitted = ["EventsPublished", "PublishFailures", "IteratorAge", "ApproximateNumberOfMessagesVisible"]
{%- if cookiecutter.command_api %}
    emitted += ["CommandsAccepted", "CommandsRejected", "CommandsConflicted", "CommandsFailed"]
{%- endif %}
{%- if cookiecutter.consumer %}
    emitted += ["EventsApplied", "DuplicatesSkipped", "MessagesRefused", "EventsFailed", "EventAge"]
{%- endif %}
    missing = [name for name in emitted if f'\\"{name}\\"' not in body]
    assert missing == []


def test_the_streams_iterator_age_raises_an_alarm(dev: Synthesized) -> None:
    name = logical_id(dev, FUNCTION, "Publisher")
    assert any(
        alarm["MetricName"] == "IteratorAge"
        and alarm["Statistic"] == "Maximum"
        and alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
        for alarm in alarms(dev)
    )


@pytest.mark.parametrize("queue", ["StreamFailures"{% if cookiecutter.consumer %}, "ConsumerDlq", "ConsumerDeliveryFailures"{% endif %}])
def test_a_message_in_a_last_stop_queue_raises_an_alarm(dev: Synthesized, queue: str) -> None:
    name = logical_id(dev, QUEUE, queue)
    assert any(
        alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and alarm["Threshold"] == 1
        and alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [name, "QueueName"]}}]
        for alarm in alarms(dev)
    )


def test_every_alarm_notifies_the_encrypted_tls_only_alarm_topic(dev: Synthesized) -> None:
    topic = logical_id(dev, "AWS::SNS::Topic", "AlarmTopic")
    key = logical_id(dev, "AWS::KMS::Key", "AlarmTopicKey")
    encryption = dev.one("AWS::SNS::Topic", "AlarmTopic")["Properties"]["KmsMasterKeyId"]
    assert encryption == {"Fn::GetAtt": [key, "Arn"]}
    assert dev.one("AWS::KMS::Key", "AlarmTopicKey")["Properties"]["EnableKeyRotation"] is True
    (policy,) = dev.resources("AWS::SNS::TopicPolicy").values()
    tls_only, alarms_publish = policy["Properties"]["PolicyDocument"]["Statement"]
    assert tls_only["Effect"] == "Deny"
    assert tls_only["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # The topic's own policy replaces SNS's default one: CloudWatch may publish, for this account's alarms.
    assert alarms_publish["Effect"] == "Allow"
    assert alarms_publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms_publish["Action"] == "sns:Publish"
    assert alarms_publish["Resource"] == {"Ref": topic}
    assert alarms_publish["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source = json.dumps(alarms_publish["Condition"]["ArnLike"]["aws:SourceArn"])
    assert ":cloudwatch:" in source
    assert ":alarm:*" in source
    assert alarms(dev), "the tests above name each alarm; here, each must notify the topic"
    for alarm in alarms(dev):
        assert alarm["AlarmActions"] == [{"Ref": topic}], alarm["AlarmDescription"]
    assert dev.resources("AWS::SNS::Subscription") == {}, "no subscriber unless the context names one"


def test_an_alarm_email_from_the_context_subscribes_to_the_topic(tmp_path: Path) -> None:
    deployment = Deployment(stage="prod", alarm_email="squad-oncall@example.org")

    stack = build(new_app(outdir=str(tmp_path)), deployment)

    (subscription,) = Template.from_stack(stack).find_resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "squad-oncall@example.org"


def test_make_synth_reads_the_context_of_cdk_json_as_the_cdk_cli_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `make deploy` runs the CDK CLI, which hands cdk.json's context (feature flags; settings such as
    # alarm_email) to the app. `make synth`, `make docs` and these tests build the app in their own
    # process: without reading the same context they would check a stack other than the one deployed.
    document = json.loads(app.CDK_JSON.read_text(encoding="utf-8"))
    flag = "@aws-cdk/aws-iam:minimizePolicies"
    document["context"] = {**document.get("context", {}), flag: True, "alarm_email": "oncall@example.org"}
    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setattr(app, "CDK_JSON", cdk_json)

    built = stage_app("dev", tmp_path / "cdk.out")

    assert built.node.try_get_context(flag) is True
    (stack,) = [child for child in built.node.children if isinstance(child, ComponentStack)]
    (subscription,) = Template.from_stack(stack).find_resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == "oncall@example.org"


def test_the_outputs_an_end_to_end_test_needs(dev: Synthesized) -> None:
    expected = {"TableName", "ComponentBusName", "SharedBusName", "StreamFailuresQueueUrl", "AlarmTopicArn"}
    expected |= {"PublisherFunctionName", "PublisherLogGroupName"}
{%- if cookiecutter.consumer %}
    expected |= {"IdempotencyTableName", "ConsumerQueueUrl", "ConsumerDlqUrl", "ConsumerFunctionName"}
    expected |= {"ConsumerLogGroupName", "ConsumerDeliveryFailuresQueueUrl"}
{%- endif %}
{%- if cookiecutter.command_api %}
    expected |= {"ApiUrl", "ApiFunctionName", "ApiLogGroupName"}
{%- endif %}
{%- if cookiecutter.command_api %}
    # (API Gateway adds an endpoint output of its own, under a generated name.)
{%- endif %}
    assert expected <= set(dev.json["Outputs"])

"""The component's stack: the event/state table and its stream, the buses, the functions and their alarms.

Every setting a handler relies on is read from the handler's module (the stream filter, the batch
sizes, the retries{% if cookiecutter.consumer %}, the rule's pattern, the queue's maximum receives{% endif %}), so the code and its
infrastructure cannot drift apart. Physical names are left to CloudFormation wherever AWS allows it
(it derives them from the stack name, within each service's length limits); the component bus is the
one resource that needs a name, and it is the stack name.
"""

from __future__ import annotations

{% if cookiecutter.command_api %}import json
{% endif %}from pathlib import Path
{%- if cookiecutter.consumer %}
from typing import cast
{%- endif %}

import jsii
from aws_cdk import (
    Acknowledgment,
    ArnFormat,
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
    Validations,
)
{%- if cookiecutter.command_api %}
from aws_cdk import aws_apigateway as apigateway
{%- endif %}
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
{%- if cookiecutter.consumer %}
from aws_cdk import aws_events_targets as targets
{%- endif %}
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as sns_subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from {{ cookiecutter.package_name }}.handlers import {% if cookiecutter.command_api %}api, {% endif %}{% if cookiecutter.consumer %}consumer, {% endif %}publisher
from {{ cookiecutter.package_name }}.settings import METRICS_NAMESPACE
from {{ cookiecutter.package_name }}.store.event_store import EXPIRES_AT, PARTITION_KEY, SORT_KEY
from {{ cookiecutter.package_name }}.tracing import TRACING_VARIABLE

from infra import layer
from infra.naming import Deployment

SOURCE_DIR = Path(__file__).resolve().parent.parent / "src"
{%- if cookiecutter.command_api %}
# The body of the API's answers when its function fails; API Gateway puts the request's id in.
SERVICE_FAILURE_TEMPLATE = json.dumps(
    {
        "message": (
            "The service failed on this request ($context.requestId). A command may have been recorded: "
            "send it again with the same Idempotency-Key, which answers a recorded one with its result. "
            "If it keeps failing, give the request id to the team that runs the service."
        )
    }
)
{%- endif %}
PACKAGE = "{{ cookiecutter.package_name }}"

# Lambda runs Python 3.13 (supported until mid-2029); the code stays 3.11-compatible because the tools
# run on 3.11 (.python-version; ruff and mypy target it), and CI tests it on 3.13 too (its lambda-runtime
# job reads the version from this line). ADR 0008 says why not 3.11 or 3.14.
RUNTIME = lambda_.Runtime.PYTHON_3_13
# Graviton: cheaper per millisecond. The dependencies layer is built for it (infra/layer.py).
ARCHITECTURE = lambda_.Architecture.ARM_64

LOG_RETENTION = logs.RetentionDays.ONE_MONTH
# An alarm on the stream's iterator age fires when the oldest unpublished record is this old.
ITERATOR_AGE_ALARM = Duration.minutes(5)


@jsii.implements(lambda_.IEventSourceDlq)
class SendOnlyDestination:
    """The stream mapping's on-failure queue, granted sqs:SendMessage alone: what Lambda sends with.

    `SqsDlq` grants sqs:GetQueueAttributes and sqs:GetQueueUrl too, which nothing here calls.
    """

    def __init__(self, queue: sqs.IQueue) -> None:
        self.queue = queue

    def bind(
        self, _target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        target_handler.add_to_role_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.queue.queue_arn]),
        )
        return lambda_.DlqDestinationConfig(destination=self.queue.queue_arn)


class ComponentStack(Stack):
    def __init__(self, scope: Construct, deployment: Deployment) -> None:
        super().__init__(
            scope,
            deployment.stack_name,
            stack_name=deployment.stack_name,
            description=f"{deployment.component}: event-driven serverless component ({deployment.stage})",
            termination_protection=deployment.is_production,
            env=deployment.environment,
        )
        self.deployment = deployment
        removal = RemovalPolicy.RETAIN if deployment.is_production else RemovalPolicy.DESTROY
        # uv.lock's runtime dependencies (Powertools, pydantic, boto3), built for the runtime and the
        # architecture: the functions run the versions the tests ran, not the runtime's own boto3.
        self.dependencies_layer = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=layer.code(layer.Target.of(RUNTIME, ARCHITECTURE)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"{deployment.component}: uv.lock's runtime dependencies",
        )
        # Each function's log group, by the function's construct id (the stack's outputs name them).
        self.log_groups: dict[str, logs.LogGroup] = {}
        self.code = lambda_.Code.from_asset(
            str(SOURCE_DIR),
            exclude=["**/__pycache__", "**/*.pyc", "**/py.typed"],
        )

        # ------------------------------------------------------------ the event/state table
        self.table = dynamodb.Table(
            self,
            "Store",
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            # The publisher reads only the new image of inserted OUTBOUND items.
            stream=dynamodb.StreamViewType.NEW_IMAGE,
            # OUTBOUND and COMMAND items expire; STATE and EVENT items never carry the attribute.
            time_to_live_attribute=EXPIRES_AT,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True,
            ),
            deletion_protection=deployment.is_production,
            removal_policy=removal,
        )

        # ------------------------------------------------------------ the buses
        # Private events go to the component's own bus; public events to the organisation's shared
        # bus, which another stack owns: it is imported by name.
        self.component_bus = events.EventBus(self, "ComponentBus", event_bus_name=deployment.stack_name)
        self.shared_bus = events.EventBus.from_event_bus_name(
            self,
            "SharedBus",
            deployment.shared_bus_name,
        )

        # ------------------------------------------------------------ publishing: stream -> buses
        self.stream_failures = self._queue("StreamFailures")
        Validations.of(self.stream_failures).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason=(
                    "This queue is itself the last stop of the stream mapping: it holds the coordinates of "
                    "records the publisher gave up on, and is alarmed; nothing reads it automatically."
                ),
            ),
        )
        self.publisher = self._function("Publisher", "publisher", timeout=Duration.minutes(1))
        self.publisher.add_environment("COMPONENT_BUS_NAME", self.component_bus.event_bus_name)
        self.publisher.add_environment("SHARED_BUS_NAME", self.shared_bus.event_bus_name)
        self.component_bus.grant_put_events_to(self.publisher)
        self.shared_bus.grant_put_events_to(self.publisher)
        self.publisher.add_event_source(
            sources.DynamoEventSource(
                self.table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                filters=[lambda_.FilterCriteria.filter(publisher.STREAM_FILTER)],
                batch_size=publisher.BATCH_SIZE,
                bisect_batch_on_error=True,
                retry_attempts=publisher.MAXIMUM_RETRY_ATTEMPTS,
                max_record_age=Duration.seconds(publisher.MAXIMUM_RECORD_AGE_SECONDS),
                on_failure=SendOnlyDestination(self.stream_failures),
                report_batch_item_failures=True,
            ),
        )
        # Reading a stream needs dynamodb:ListStreams, which IAM only grants on "*".
        Validations.of(self.publisher.role or self.publisher).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="dynamodb:ListStreams has no resource-level permissions; other actions are scoped.",
            ),
        )
{%- if cookiecutter.consumer %}

        # ------------------------------------------------------------ the lazy consumer
        # Rule (on the shared bus, where public events go) -> queue -> function; after
        # consumer.MAX_RECEIVES failed receives a message moves to the DLQ.
        self.idempotency_table = dynamodb.Table(
            self,
            "Idempotency",
            # Powertools' DynamoDBPersistenceLayer defaults: key "id", expiry in "expiration".
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="expiration",
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True,
            ),
            deletion_protection=deployment.is_production,
            removal_policy=removal,
        )
        consumer_timeout = Duration.seconds(30)
        self.consumer_dlq = self._queue("ConsumerDlq"{% if cookiecutter.fifo_buffering %}, fifo=True{% endif %})
        self.consumer_queue = self._queue(
            "ConsumerQueue",
{%- if cookiecutter.fifo_buffering %}
            fifo=True,
{%- endif %}
            # AWS's advice for an SQS event source: six times the function's timeout, so a message is
            # not received again while a retrying invocation still holds it.
            visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * 6),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.consumer_dlq,
                max_receive_count=consumer.MAX_RECEIVES,
            ),
        )
        # What EventBridge could not deliver to the queue within a day of retries (a queue policy or a
        # queue gone): kept, and alarmed on, rather than dropped.
{%- if cookiecutter.fifo_buffering %}
        # A standard queue: EventBridge takes no FIFO queue as a target's dead-letter queue.
{%- endif %}
        self.consumer_delivery_failures = self._queue("ConsumerDeliveryFailures")
        Validations.of(self.consumer_delivery_failures).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason=(
                    "This queue is itself a dead-letter queue, the consumer rule's target's (EventBridge's, "
                    "not a redrive policy's, which cdk-nag does not see): the last stop, alarmed."
                ),
            ),
        )
        self.consumer_rule = events.Rule(
            self,
            "ConsumerRule",
            event_bus=self.shared_bus,
            # A placeholder the override below replaces: the consumer's pattern may need `$or` (one version
            # per event, ADR 16), which the construct's EventPattern cannot say.
            event_pattern=events.EventPattern(source=consumer.SOURCES),
            targets=[
                targets.SqsQueue(
                    self.consumer_queue,
                    dead_letter_queue=self.consumer_delivery_failures,
{%- if cookiecutter.fifo_buffering %}
                    # EventBridge sets one message group per FIFO target (ADR 0007).
                    message_group_id="{{ cookiecutter.component_slug }}",
{%- endif %}
                ),
            ],
        )
        rule_resource = cast(events.CfnRule, self.consumer_rule.node.default_child)
        rule_resource.add_property_override("EventPattern", consumer.EVENT_PATTERN)
        # An override is merged into the placeholder, key by key: a pattern of `$or` alternatives alone
        # (several sources or versions) must not keep the placeholder's top-level `source`.
        if "source" not in consumer.EVENT_PATTERN:
            rule_resource.add_property_deletion_override("EventPattern.source")
        self.consumer = self._function("Consumer", "consumer", timeout=consumer_timeout)
        self.consumer.add_environment("TABLE_NAME", self.table.table_name)
        self.consumer.add_environment("IDEMPOTENCY_TABLE_NAME", self.idempotency_table.table_name)
        # The catalogue is read and written through the store (GetItem, PutItem).
        self.table.grant(self.consumer, "dynamodb:GetItem", "dynamodb:PutItem")
        # Powertools idempotency: put the in-progress record, read it, complete it, delete it on failure.
        self.idempotency_table.grant(
            self.consumer,
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        )
        # The mapping itself, not SqsEventSource: that one also grants sqs:GetQueueUrl and
        # sqs:ChangeMessageVisibility, which Lambda's poller does not use (least privilege, ADR 24).
        lambda_.EventSourceMapping(
            self,
            "ConsumerQueueMapping",
            target=self.consumer,
            event_source_arn=self.consumer_queue.queue_arn,
            batch_size=consumer.BATCH_SIZE,
            report_batch_item_failures=True,
        )
        self.consumer.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                resources=[self.consumer_queue.queue_arn],
            ),
        )
{%- endif %}
{%- if cookiecutter.command_api %}

        # ------------------------------------------------------------ the command and query API
        self.api_function = self._function("Api", "api", timeout=Duration.seconds(10))
        self.api_function.add_environment("TABLE_NAME", self.table.table_name)
        # Commands write in one TransactWriteItems of Puts (IAM authorises each as PutItem); queries
        # read with GetItem and Query.
        self.table.grant(self.api_function, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem")
{%- if cookiecutter.jwt_authoriser %}
        # The JWT authoriser, asked by API Gateway about every request (ADR 0025); it calls no AWS API.
        self.authorizer_function = self._function("Authorizer", "authorizer", timeout=Duration.seconds(5))
        self.authorizer_function.add_environment("JWT_ISSUER", deployment.jwt_issuer)
        self.authorizer_function.add_environment("JWT_AUDIENCE", deployment.jwt_audience)
{%- endif %}
        self.api = self._rest_api()
{%- endif %}

        self.alarm_topic = self._alarm_topic(deployment, removal)
        self._alarms()
        self._dashboard()
        self._outputs()

    # ---------------------------------------------------------------- building blocks

    def _queue(
        self,
        construct_id: str,
        *,
{%- if cookiecutter.fifo_buffering %}
        fifo: bool = False,
{%- endif %}
        visibility_timeout: Duration | None = None,
        dead_letter_queue: sqs.DeadLetterQueue | None = None,
    ) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
{%- if cookiecutter.fifo_buffering %}
            fifo=fifo or None,
            content_based_deduplication=fifo or None,
{%- endif %}
            # SQS-managed keys: EventBridge can deliver to the queue without a key policy of ours.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            visibility_timeout=visibility_timeout,
            dead_letter_queue=dead_letter_queue,
        )

    def _function(self, construct_id: str, handler: str, *, timeout: Duration) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN if self.deployment.is_production else RemovalPolicy.DESTROY,
        )
        self.log_groups[construct_id] = log_group
        # A role of our own instead of AWSLambdaBasicExecutionRole: logs to this function's group only.
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            construct_id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=self.code,
            handler=f"{PACKAGE}.handlers.{handler}.lambda_handler",
            layers=[self.dependencies_layer],
            role=role,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            # Lambda drops lines below this level (INFO unless set), whatever Powertools' own: the two
            # follow one setting, so `-c log_level=DEBUG` reaches CloudWatch.
            application_log_level_v2=lambda_.ApplicationLogLevel(
                "WARN" if self.deployment.log_level == "WARNING" else self.deployment.log_level
            ),
            memory_size=512,
            timeout=timeout,
            environment={
                # The stack's name, not the component's: a branch stack's metrics (the `service`
                # dimension) and log lines are its own, not added to the stage's (ADR 0009).
                "POWERTOOLS_SERVICE_NAME": self.deployment.stack_name,
                "POWERTOOLS_LOG_LEVEL": self.deployment.log_level,
                **({TRACING_VARIABLE: "on"} if self.deployment.traced else {}),
            },
            # Off unless the stage traces (settings.TRACED_STAGES, or `-c tracing=on`): see tracing.py.
            tracing=lambda_.Tracing.ACTIVE if self.deployment.traced else lambda_.Tracing.DISABLED,
        )
        if self.deployment.traced:
            Validations.of(role).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM5[Resource::*]",
                    reason=(
                        "xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level "
                        "permissions."
                    ),
                ),
            )
        Validations.of(function).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason=(
                    "Python 3.13 on purpose (ADR 0008): the newest runtime the component's 3.11 toolchain "
                    "and its tests are known to serve; moving on is a change of RUNTIME."
                ),
            ),
        )
        return function
{%- if cookiecutter.command_api %}

    def _rest_api(self) -> apigateway.RestApi:
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN if self.deployment.is_production else RemovalPolicy.DESTROY,
        )
{%- if cookiecutter.jwt_authoriser %}
        # A REQUEST authoriser on the Authorization header: its event carries the request id (the logs'
        # correlation id), and API Gateway answers a request without the header with a 401 itself. No
        # result cache: the policy it returns allows the one method asked about, so a cached policy
        # would refuse the same token on the next method, and an expired token would pass until the
        # cache entry did.
        authorizer = apigateway.RequestAuthorizer(
            self,
            "TokenAuthorizer",
            handler=self.authorizer_function,
            identity_sources=[apigateway.IdentitySource.header("Authorization")],
            results_cache_ttl=Duration.seconds(0),
        )
{%- endif %}
        rest_api = apigateway.RestApi(
            self,
            "RestApi",
            # API names need not be unique; the stack's name tells a branch's API from another's.
            rest_api_name=self.deployment.stack_name,
            description=f"{self.deployment.component} commands and queries ({self.deployment.stage})",
            # The account-wide API Gateway logging role is the platform's, not each component's.
            cloud_watch_role=False,
            deploy_options=apigateway.StageOptions(
                stage_name=self.deployment.stage,
                throttling_rate_limit=50,
                throttling_burst_limit=100,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
            ),
            default_method_options=apigateway.MethodOptions(
{%- if cookiecutter.jwt_authoriser %}
                authorization_type=apigateway.AuthorizationType.CUSTOM,
                authorizer=authorizer,
{%- else %}
                authorization_type=apigateway.AuthorizationType.IAM,
{%- endif %}
            ),
        )
        # When the function fails (an error it did not expect, a timeout), API Gateway answers 502 or
        # 504 with `{"message": "Internal server error"}`, which says nothing a caller can act on. This
        # body says what to do, in the Problem shape of every other refusal. The function's error
        # still counts in its Errors alarm.
        rest_api.add_gateway_response(
            "ServiceFailure",
            type=apigateway.ResponseType.DEFAULT_5_XX,
            templates={"application/json": SERVICE_FAILURE_TEMPLATE},
        )
        # API Gateway checks that the path parameters are there; the handler validates their format,
        # the headers and the bodies against its models (a 422 that names the field).
        validator = rest_api.add_request_validator(
            "Parameters",
            validate_request_parameters=True,
            validate_request_body=False,
        )
        # No test-invoke permissions: the console test button is not how this API is exercised.
        integration = apigateway.LambdaIntegration(self.api_function, allow_test_invoke=False)
        # The routes are the handler's own (its OpenAPI document), so the API cannot drift from the code.
        for path, operations in (api.app.get_openapi_schema().paths or {}).items():
            resource = rest_api.root.resource_for_path(path)
            parameters = {
                f"method.request.path.{segment[1:-1]}": True
                for segment in path.split("/")
                if segment.startswith("{")
            }
            for method in ("get", "post", "put", "patch", "delete"):
                if getattr(operations, method, None) is not None:
                    resource.add_method(
                        method.upper(),
                        integration,
                        request_parameters=parameters,
                        request_validator=validator,
                    )
        Validations.of(rest_api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-APIG2",
                reason=(
                    "API Gateway validates the path parameters; bodies and headers are validated by the "
                    "handler against the same pydantic models that generate its OpenAPI document."
                ),
            ),
            Acknowledgment(
                id="AwsSolutions-APIG3",
{%- if cookiecutter.jwt_authoriser %}
                reason=(
                    "Callers present access tokens of the organisation's identity provider; a WAF is "
                    "the platform's."
                ),
{%- else %}
                reason="Callers are the organisation's IAM principals (SigV4); a WAF is the platform's.",
{%- endif %}
            ),
            Acknowledgment(
                id="AwsSolutions-APIG6",
                reason=(
                    "Access logs are on; execution logs need the account-wide API Gateway logging role, "
                    "which the platform sets once per account."
                ),
            ),
            Acknowledgment(
                id="AwsSolutions-COG4",
{%- if cookiecutter.jwt_authoriser %}
                reason=(
                    "Every method uses the JWT authoriser, which verifies the tokens of the identity "
                    "provider the stage names; Cognito user pools are one such provider, not assumed."
                ),
{%- else %}
                reason="Every method uses IAM authorisation; there are no Cognito users.",
{%- endif %}
            ),
        )
        return rest_api
{%- endif %}

    def _alarm_topic(self, deployment: Deployment, removal: RemovalPolicy) -> sns.Topic:
        """The one topic every alarm notifies, encrypted, TLS only; the stage's subscriber, if named.

        Its key is the stack's own: CloudWatch cannot publish to a topic under the AWS-managed SNS key.
        """
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"Encrypts the alarm notifications of {self.stack_name}",
            enable_key_rotation=True,
            removal_policy=removal,
        )
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey")
        topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True)
        # enforce_ssl gives the topic a policy of its own, which replaces SNS's default one (publishing by
        # the account's principals): without this statement no alarm could notify it.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsOfThisAccountPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": self.account},
                    "ArnLike": {
                        "aws:SourceArn": self.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                },
            )
        )
        if deployment.alarm_email:
            topic.add_subscription(sns_subscriptions.EmailSubscription(deployment.alarm_email))
        return topic

    def _alarms(self) -> None:
        period = Duration.minutes(5)
        functions = {"Publisher": self.publisher}
{%- if cookiecutter.consumer %}
        functions["Consumer"] = self.consumer
{%- endif %}
{%- if cookiecutter.command_api %}
        functions["Api"] = self.api_function
{%- endif %}
{%- if cookiecutter.jwt_authoriser %}
        # Its errors are the issuer's keys out of reach (a refused token is an answer, not an error).
        functions["Authorizer"] = self.authorizer_function
{%- endif %}
        for name, function in functions.items():
            throttles = function.metric_throttles(period=period, statistic="Sum")
            self._alarm(
                f"{name}Throttles",
                throttles,
                1,
                f"{name} function throttled: its concurrency is used up",
            )
            errors = function.metric_errors(period=period, statistic="Sum")
            self._alarm(f"{name}Errors", errors, 1, f"{name} function errors")
        self._alarm(
            "StreamIteratorAge",
            self.publisher.metric("IteratorAge", period=period, statistic="Maximum"),
            ITERATOR_AGE_ALARM.to_milliseconds(),
            "The oldest unpublished stream record is older than the alarm's limit",
        )
        queues = {"StreamFailures": self.stream_failures}
{%- if cookiecutter.consumer %}
        queues["ConsumerDlq"] = self.consumer_dlq
        queues["ConsumerDeliveryFailures"] = self.consumer_delivery_failures
{%- endif %}
        for name, queue in queues.items():
            waiting = queue.metric_approximate_number_of_messages_visible(period=period, statistic="Maximum")
            self._alarm(
                f"{name}Depth",
                waiting,
                1,
                f"Messages waiting in {name}: each is work that was given up on",
            )
        self._alarm(
            "PublishFailures",
            self.component_metric("PublishFailures", period, "Sum"),
            1,
            "Events a publisher batch could not send; the stream retries them",
        )
{%- if cookiecutter.command_api %}
        # A 503 is an answer, not a function error: the store throttled past the client's retries, or did
        # not answer within the request's time (ADR 28), and the caller was told to send the command again.
        self._alarm(
            "CommandsFailed",
            self.component_metric("CommandsFailed", period, "Sum"),
            1,
            "Commands the store could not take (throttled, or no answer in time): callers got a 503",
        )
{%- endif %}
{%- if cookiecutter.consumer %}
        self._alarm(
            "ConsumedEventAge",
            self.component_metric("EventAge", period, "Maximum"),
            consumer.EVENT_AGE_ALARM_SECONDS,
            "The consumer applies events this long after they happened: it lags behind",
        )
        silence = consumer.SILENCE_ALARM_MINUTES.get(self.deployment.stage)
        if silence is not None:
            self._alarm(
                "NoEventConsumed",
                self.component_metric("EventsApplied", Duration.minutes(silence), "Sum"),
                1,
                f"No event consumed for {silence} minutes: have the producers stopped?",
                below=True,
            )
{%- endif %}

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.Metric,
        threshold: float,
        description: str,
        *,
        below: bool = False,
    ) -> None:
        """An alarm on one period of ``metric`` that notifies the alarm topic: at or over ``threshold``, or,
        ``below``, under it, where no data counts as under (silence is what such an alarm is for)."""
        alarm = metric.create_alarm(
            self,
            construct_id,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=(
                cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
                if below
                else cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
            ),
            treat_missing_data=(
                cloudwatch.TreatMissingData.BREACHING if below else cloudwatch.TreatMissingData.NOT_BREACHING
            ),
            alarm_description=description,
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.alarm_topic))

    def _dashboard(self) -> None:
        """One page for the component: what came in, what went out, what waits, and how late."""
        period = Duration.minutes(5)

        def counts(*names: str) -> list[cloudwatch.IMetric]:
            return [self.component_metric(name, period, "Sum") for name in names]

        queues = [
            self.stream_failures,
{%- if cookiecutter.consumer %}
            self.consumer_dlq,
            self.consumer_delivery_failures,
{%- endif %}
        ]
        widgets: list[cloudwatch.IWidget] = [
{%- if cookiecutter.command_api %}
            cloudwatch.GraphWidget(
                title="Commands",
                left=counts("CommandsAccepted", "CommandsRejected", "CommandsConflicted", "CommandsFailed"),
            ),
{%- endif %}
{%- if cookiecutter.jwt_authoriser %}
            cloudwatch.GraphWidget(title="Access tokens", left=counts("TokensAccepted", "TokensRefused")),
{%- endif %}
            cloudwatch.GraphWidget(
                title="Events published",
                left=counts("EventsPublished", "PublishFailures"),
            ),
{%- if cookiecutter.consumer %}
            cloudwatch.GraphWidget(
                title="Events consumed",
                left=counts("EventsApplied", "DuplicatesSkipped", "MessagesRefused", "EventsFailed"),
            ),
{%- endif %}
            cloudwatch.GraphWidget(
                title="Waiting in the last-stop queues",
                left=[queue.metric_approximate_number_of_messages_visible(period=period) for queue in queues],
            ),
            cloudwatch.GraphWidget(
                title="Stream iterator age (ms)",
                left=[self.publisher.metric("IteratorAge", period=period, statistic="Maximum")],
            ),
{%- if cookiecutter.consumer %}
            cloudwatch.GraphWidget(
                title="Consumed event age (s)",
                left=[self.component_metric("EventAge", period, "Maximum")],
            ),
{%- endif %}
        ]
        cloudwatch.Dashboard(self, "Dashboard", dashboard_name=self.stack_name, widgets=[widgets])

    def component_metric(self, name: str, period: Duration, statistic: str) -> cloudwatch.Metric:
        """A metric this stack's functions emit (Powertools, embedded metric format): the component's
        namespace, the stack's name as the `service` dimension."""
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map={"service": self.deployment.stack_name},
            period=period,
            statistic=statistic,
        )

    def _outputs(self) -> None:
        # What the end-to-end tests and operators look up: stable keys, whatever the stack is called.
        outputs = {
            "TableName": self.table.table_name,
            "ComponentBusName": self.component_bus.event_bus_name,
            "SharedBusName": self.shared_bus.event_bus_name,
            "StreamFailuresQueueUrl": self.stream_failures.queue_url,
            "PublisherFunctionName": self.publisher.function_name,
            "AlarmTopicArn": self.alarm_topic.topic_arn,
        }
{%- if cookiecutter.consumer %}
        outputs["IdempotencyTableName"] = self.idempotency_table.table_name
        outputs["ConsumerQueueUrl"] = self.consumer_queue.queue_url
        outputs["ConsumerDlqUrl"] = self.consumer_dlq.queue_url
        # What EventBridge could not deliver to the queue: `make redrive FROM=delivery-failures` reads it.
        outputs["ConsumerDeliveryFailuresQueueUrl"] = self.consumer_delivery_failures.queue_url
        outputs["ConsumerFunctionName"] = self.consumer.function_name
{%- endif %}
{%- if cookiecutter.command_api %}
        outputs["ApiUrl"] = self.api.url
        outputs["ApiFunctionName"] = self.api_function.function_name
{%- endif %}
{%- if cookiecutter.jwt_authoriser %}
        # Whose tokens the API takes: what a caller asks its identity provider for.
        outputs["JwtIssuer"] = self.deployment.jwt_issuer
        outputs["JwtAudience"] = self.deployment.jwt_audience
{%- endif %}
        # Where a command's journey is searched by its correlation id (docs/runbook.md, tests/e2e).
        for construct_id, log_group in self.log_groups.items():
            outputs[f"{construct_id}LogGroupName"] = log_group.log_group_name
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)

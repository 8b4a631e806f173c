"""Stack names per stage and branch: parallel deploys of different branches never share a stack."""

from __future__ import annotations

import re

import pytest

{% if cookiecutter.jwt_authoriser -%}
from {{ cookiecutter.package_name }}.settings import JWT_AUDIENCES, JWT_ISSUERS

{% endif -%}
from infra import naming
from infra.app import owning_team
from infra.naming import MAX_STACK_NAME, BadContext, Deployment, branch_slug
from tests.infra.conftest import BRANCH, DEV, PROD, TRACED, Synthesized

# CloudFormation's rule for stack names.
STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


def test_each_stage_has_its_own_stack() -> None:
    assert DEV.stack_name == "{{ cookiecutter.component_slug }}-dev"
    assert PROD.stack_name == "{{ cookiecutter.component_slug }}-prod"


def test_a_branch_gets_a_stack_of_its_own() -> None:
    assert BRANCH.stack_name == "{{ cookiecutter.component_slug }}-dev-feature-reserve-a-car"
    assert Deployment(stage="dev", branch="fix/Reserve_a_car").stack_name != BRANCH.stack_name


def test_the_synthesized_stacks_are_named_per_stage_and_branch(stacks: dict[str, Synthesized]) -> None:
    assert set(stacks) == {DEV.stack_name, PROD.stack_name, TRACED.stack_name}
    assert TRACED.stack_name == BRANCH.stack_name, "tracing and the log level do not change the stack's name"
    for name, synthesized in stacks.items():
        assert synthesized.deployment.stack_name == name
        assert STACK_NAME.match(name)
        # The component bus is the one named resource: named after its stack, so it never collides.
        bus = synthesized.one("AWS::Events::EventBus")["Properties"]
        assert bus["Name"] == name


def test_the_shared_bus_is_the_stages_unless_the_context_names_another() -> None:
    assert DEV.shared_bus_name == "shared-dev"
    assert PROD.shared_bus_name == "shared-prod"
    named = Deployment.from_context({"stage": "prod", "shared_bus_name": "org-events"}, environ={})
    assert named.shared_bus_name == "org-events"


def test_the_context_chooses_the_deployment() -> None:
    assert Deployment.from_context({}, environ={}) == DEV
    deployment = Deployment.from_context({"stage": "dev", "branch": "feature/Reserve-a-car"}, environ={})
    assert deployment == BRANCH
    account = {"CDK_DEFAULT_ACCOUNT": "123456789012"}
    assert Deployment.from_context({"stage": "prod"}, environ=account).account == "123456789012"


def test_the_log_level_is_info_unless_the_context_names_another() -> None:
    assert Deployment.from_context({"stage": "prod"}, environ={}).log_level == "INFO"
    assert Deployment.from_context({"stage": "dev", "log_level": "debug"}, environ={}).log_level == "DEBUG"


def test_tracing_follows_the_stage_unless_the_context_switches_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Deployment.from_context({"stage": "prod"}, environ={}).traced, "no stage traces by default"
    assert Deployment.from_context({"stage": "dev", "tracing": "on"}, environ={}).traced
    monkeypatch.setattr(naming, "TRACED_STAGES", frozenset({"prod"}))
    assert Deployment(stage="prod").traced
    assert not Deployment.from_context({"stage": "prod", "tracing": "OFF"}, environ={}).traced
    assert not Deployment(stage="dev").traced


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stage": "test"}, "stage='test' is not valid; allowed: dev, prod"),
        ({"stage": "prod", "branch": "feature/x"}, "stage=prod is deployed from the main line only"),
        ({"stage": "dev", "branch": "///"}, "has no letter or digit"),
        ({"stage": "prod", "alarm_email": "oncall"}, "alarm_email='oncall' is not an email address"),
        ({"stage": "dev", "tracing": "yes"}, "tracing='yes' is not valid; allowed: on, off"),
        ({"stage": "dev", "log_level": "loud"}, "log_level='LOUD' is not valid; allowed: DEBUG, INFO"),
{%- if cookiecutter.jwt_authoriser %}
        ({"stage": "dev", "jwt_issuer": "http://x.org/"}, "jwt_issuer='http://x.org/' is not an HTTPS URL"),
        ({"stage": "dev", "jwt_audience": "x" * 513}, "is not valid; allowed: 1-512 characters"),
{%- endif %}
    ],
)
def test_a_context_that_cannot_be_deployed_is_refused(context: dict[str, str], message: str) -> None:
    with pytest.raises(BadContext, match=re.escape(message)):
        Deployment.from_context(context, environ={})
{%- if cookiecutter.jwt_authoriser %}


def test_the_tokens_taken_are_the_stage_s_unless_the_context_names_others() -> None:
    assert Deployment(stage="prod").jwt_issuer == JWT_ISSUERS["prod"]
    assert Deployment(stage="prod").jwt_audience == JWT_AUDIENCES["prod"]
    named = {"stage": "dev", "jwt_issuer": "https://login.example.net/tenant", "jwt_audience": "api://x"}
    deployment = Deployment.from_context(named, environ={})
    assert deployment.jwt_issuer == "https://login.example.net/tenant"
    assert deployment.jwt_audience == "api://x"
{%- endif %}


def test_long_branch_names_are_cut_to_fit_and_stay_distinct() -> None:
    first = Deployment(stage="dev", branch="feature/" + "a" * 200 + "-one")
    second = Deployment(stage="dev", branch="feature/" + "a" * 200 + "-two")
    for deployment in (first, second):
        assert len(deployment.stack_name) == MAX_STACK_NAME
        assert STACK_NAME.match(deployment.stack_name)
    assert first.stack_name != second.stack_name


def test_branch_slugs_are_lower_case_letters_digits_and_dashes() -> None:
    assert branch_slug("Feature/JIRA-12_Reserve a car!", 100) == "feature-jira-12-reserve-a-car"


def test_every_resource_is_tagged_with_its_deployment_and_owner(stacks: dict[str, Synthesized]) -> None:
    for name, synthesized in stacks.items():
        store = synthesized.one("AWS::DynamoDB::Table", "Store")["Properties"]
        tags = {tag["Key"]: tag["Value"] for tag in store["Tags"]}
        assert tags["deployment"] == name
        assert tags["stage"] == synthesized.deployment.stage
        # The owner in CODEOWNERS: an organisation and a team.
        assert tags["owner"] == owning_team()
        assert tags["owner"].count("/") == 1

"""No secret in a function's environment variables (ADR 0023), read from the synthesized stacks.

A Lambda function's environment is plain text in the CloudFormation template, in the console and in
`GetFunctionConfiguration` for anyone who may read the function. A secret is read at run time instead,
from SSM Parameter Store or Secrets Manager through Powertools Parameters; the environment may say where
it is (a variable ending in one of WHERE_A_SECRET_IS), never what it is.
"""

from __future__ import annotations

import copy
import math
import re
import string
from collections import Counter
from typing import Any

import pytest

from tests.infra.conftest import Synthesized

FUNCTION = "AWS::Lambda::Function"

ADVICE = (
    "a function's environment variables are plain text in the template, the console and "
    "GetFunctionConfiguration: keep the secret in SSM Parameter Store (SecureString) or Secrets Manager, "
    "read it at run time with Powertools Parameters (aws_lambda_powertools.utilities.parameters), grant "
    "the function's role that one parameter or secret, and put only its name or ARN in the environment "
    "(a variable ending in _PARAMETER_NAME, _PARAMETER_ARN, _SECRET_NAME or _SECRET_ARN). ADR 0023."
)

# Words in a variable's name that say it holds a secret.
SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|SIGNING_?KEY"
)
# Names that say where a secret is kept, not what it is: what a function that reads one is given.
WHERE_A_SECRET_IS = ("_PARAMETER_NAME", "_PARAMETER_ARN", "_SECRET_NAME", "_SECRET_ARN")

# Values that are secrets by their shape. The entropy limits are detect-secrets' defaults (bits per
# character): a random token reaches them, a name or a sentence does not. Only literal strings are read:
# a Ref or Fn::GetAtt is the name of another resource, resolved at deploy time.
AWS_ACCESS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
HEX_TOKEN = re.compile(r"[0-9a-fA-F]{32,}")
BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
HEX_LIMIT = 3.0
BASE64_LIMIT = 4.5


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_like_a_secret(value: str) -> bool:
    if AWS_ACCESS_KEY_ID.search(value) or PRIVATE_KEY.search(value):
        return True
    if HEX_TOKEN.fullmatch(value):
        return entropy(value) >= HEX_LIMIT
    return bool(BASE64_TOKEN.fullmatch(value)) and entropy(value) >= BASE64_LIMIT


def secrets_in_environment(template: dict[str, Any]) -> list[str]:
    """Every function environment variable of the template that holds, or says it holds, a secret."""
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource["Type"] != FUNCTION:
            continue
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        for name, value in variables.items():
            if SECRET_NAME.search(name.upper()) and not name.upper().endswith(WHERE_A_SECRET_IS):
                found.append(f"{logical_id}: {name} (its name says it holds a secret)")
            elif isinstance(value, str) and looks_like_a_secret(value):
                found.append(f"{logical_id}: {name} (its value looks like a secret)")
    return found


def test_no_function_environment_holds_a_secret(stacks: dict[str, Synthesized]) -> None:
    found = {name: secrets_in_environment(stack.json) for name, stack in stacks.items()}
    assert {name: variables for name, variables in found.items() if variables} == {}, ADVICE


# Tokens made here from distinct characters, so their entropy is fixed (a random one is sometimes
# below the limit, which made this test flaky), and so this file holds no literal the secret scan flags.
TOKEN = string.ascii_letters[:30] + string.digits  # 40 distinct characters: 5.3 bits each
HEX = string.hexdigits[:16] * 4  # 64 hex digits, each of the 16 four times: 4 bits each
PLANTED = {
    "DATABASE_PASSWORD": {"Ref": "DatabasePassword"},
    "PARTNER_API_KEY": "to be replaced",  # pragma: allowlist secret (planted: the check must find it)
    "WEBHOOK_SIGNING_KEY": "",
    "session_token": "x",
    "SETTINGS": TOKEN,
    "CHECKSUM": HEX,
    "UPSTREAM": "AKIA" + string.ascii_uppercase[:16],
}
ALLOWED = {
    "PARTNER_API_KEY_PARAMETER_NAME": "/partner/api-key",
    "DATABASE_SECRET_ARN": {"Ref": "DatabaseSecret"},
    "POWERTOOLS_SERVICE_NAME": "vehicle-pricing-stock-estimate",
    "POWERTOOLS_LOG_LEVEL": "DEBUG",
    "TABLE_NAME": {"Ref": "StoreTable8F2E5A1B"},
    "SHARED_EVENT_SOURCE": "an-organisation.shared-events",
    "STATE_TABLE": "ElectricVehicleQuoteStoreTable8F2E5A1B",
    "TENANT": "3f2b8c1e-9d4a-4f6b-8e2d-7a1c5b9e0f34",
}


@pytest.mark.parametrize("name", PLANTED)
def test_a_planted_variable_is_found(dev: Synthesized, name: str) -> None:
    # The dev stack's template with one variable more in its first function.
    template = copy.deepcopy(dev.json)
    logical_id, function = next(
        (logical_id, resource)
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == FUNCTION
    )
    function["Properties"].setdefault("Environment", {}).setdefault("Variables", {})[name] = PLANTED[name]
    found = secrets_in_environment(template)
    assert len(found) == 1, found
    assert found[0].startswith(f"{logical_id}: {name} (")


def test_names_that_say_where_a_secret_is_and_plain_settings_pass() -> None:
    template = {
        "Resources": {"Handler": {"Type": FUNCTION, "Properties": {"Environment": {"Variables": ALLOWED}}}}
    }
    assert secrets_in_environment(template) == []

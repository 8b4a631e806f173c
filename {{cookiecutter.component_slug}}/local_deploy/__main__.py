"""`python -m local_deploy [cdk.out/dev]`: the synthesized stack, deployed to local emulators and running.

Starts DynamoDB Local and moto server on loopback ports, creates the stack's resources on them, runs
its functions on their event sources{% if cookiecutter.command_api %}, serves its API{% endif %}, writes the stack's outputs (local values)
to ``.local/outputs.json`` (with the emulators' endpoints and process IDs) and prints what runs where;
the emulators' logs are in ``.local/emulators/``, kept until the next run.
Ctrl-C (or SIGTERM) stops every process it started; killed outright, its emulators stop with it (on
Linux: see ``local_deploy.processes``).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
{%- if cookiecutter.command_api %}
import re
{%- endif %}
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local_deploy import dynamodb_local, moto_server
{%- if cookiecutter.command_api %}
from local_deploy.api import LocalApi, routes, service_failure
{%- endif %}
from local_deploy.deploy import (
    EMULATED,
    NOT_EMULATED,
    NOT_EMULATED_SETTINGS,
    AlreadyDeployed,
    LocalDeployment,
)
from local_deploy.loopback import keep_loopback_off_proxies
from local_deploy.servers import EmulatorError, LocalServer, answers
from local_deploy.template import Stack, TemplateError, stack_template
{%- if cookiecutter.jwt_authoriser %}
from local_deploy.tokens import LocalIssuer
{%- endif %}

ROOT = Path(__file__).resolve().parent.parent
IDLE_SECONDS = 0.2
# Set by the first Ctrl-C or SIGTERM (see _interrupt), and read by the loop that runs the functions.
STOPPING = threading.Event()
REGION = "{{ cookiecutter.aws_region }}"


def main(argv: list[str] | None = None) -> int:
    keep_loopback_off_proxies()
    parser = argparse.ArgumentParser(prog="python -m local_deploy", description=__doc__.splitlines()[0])
    parser.add_argument("assembly", nargs="?", default="cdk.out/dev", help="synthesized cloud assembly")
{%- if cookiecutter.command_api %}
    parser.add_argument("--api-port", type=int, default=0, help="port of the local API (default: a free one)")
{%- endif %}
    parser.add_argument("--outputs", default=".local/outputs.json", help="where to write the stack's outputs")
    parser.add_argument(
        "--join",
        default="",
        metavar="FILE",
        help="deploy onto the emulators of another component's running local deploy (its outputs file)",
    )
    arguments = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    sys.unraisablehook = _unraisable
    # `kill -USR1 <pid>` prints where every thread is: what a deploy that does not stop is waiting for
    # (the tests send it before they kill one that did not stop in time).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        template = stack_template(Path(arguments.assembly))
    except (OSError, TemplateError) as error:
        print(
            f"no synthesized stack in {arguments.assembly}: run `make synth` first ({error})", file=sys.stderr
        )
        return 2
    try:
        joined = _joined(arguments.join)
    except ValueError as refusal:
        print(f"local deploy cannot join {arguments.join}: {refusal}", file=sys.stderr)
        return 2
    # Dummy credentials: the emulators accept any, and nothing here may reach a real account.
    os.environ.update(
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106  # pragma: allowlist secret
        AWS_SESSION_TOKEN="local",  # noqa: S106
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
    )
    servers: list[LocalServer] = []
    deployment: LocalDeployment | None = None
{%- if cookiecutter.command_api %}
    api = None
{%- endif %}
{%- if cookiecutter.jwt_authoriser %}
    issuer = None
{%- endif %}
    outputs_file = Path(arguments.outputs)
    try:
        started = time.monotonic()
        if joined:
            endpoints = joined
        else:
            # Beside the outputs, replaced by the next run: the logs stay readable after a run, and no
            # run leaves a folder behind (a temporary one per run would pile up).
            emulator_logs = outputs_file.parent / "emulators"
            emulator_logs.mkdir(parents=True, exist_ok=True)
            servers.append(dynamodb_local.start(emulator_logs))
            servers.append(moto_server.start(emulator_logs))
            endpoints = {"dynamodb": servers[0].endpoint, "eventbridge": servers[1].endpoint}
            endpoints["sqs"] = endpoints["eventbridge"]
        os.environ.update(
            AWS_ENDPOINT_URL_DYNAMODB=endpoints["dynamodb"],
            AWS_ENDPOINT_URL_DYNAMODB_STREAMS=endpoints["dynamodb"],
            AWS_ENDPOINT_URL_EVENTBRIDGE=endpoints["eventbridge"],
            AWS_ENDPOINT_URL_SQS=endpoints["sqs"],
        )
        if joined:
            _check_joined(arguments.join, joined)
        stack = Stack.load(template, region=REGION)
        deployment = LocalDeployment(stack)
        deployment.provision()
{%- if cookiecutter.command_api %}
        if stack.of_type("AWS::ApiGateway::RestApi"):
            stage, api_routes = routes(stack, deployment.functions)
{%- if cookiecutter.jwt_authoriser %}
            if any(route.authorizer for route in api_routes):
                # The template's issuer and audience (the functions' environment is the template's); the
                # keys are this run's own key instead of the issuer's published ones (local_deploy/tokens.py).
                issuer = LocalIssuer.create(
                    outputs_file.parent,
                    issuer=os.environ["JWT_ISSUER"],
                    audience=os.environ["JWT_AUDIENCE"],
                )
                os.environ["JWT_KEYS"] = json.dumps(issuer.key_set())
{%- endif %}
            api = LocalApi(stage, api_routes, port=arguments.api_port, failure=service_failure(stack))
            api.start()
        outputs = _outputs(stack, None if api is None else api.url)
{%- else %}
        outputs = _outputs(stack)
{%- endif %}
        outputs["Endpoints"] = endpoints
        # Which processes to look for if the local deploy ever left one behind; the tests check it never does.
        # A deploy that joined another's emulators started none.
        outputs["Processes"] = {server.name: server.process.pid for server in servers}
        outputs["Region"] = REGION
{%- if cookiecutter.jwt_authoriser %}
        if issuer is not None:
            outputs["Tokens"] = issuer.outputs()
{%- endif %}
        outputs_file.parent.mkdir(parents=True, exist_ok=True)
        # What runs where is printed before the outputs are written: whoever waits for the outputs (the
        # end-to-end tests, a Ctrl-C right after start) finds the report already out.
        if joined:
            emulators = [f"  those of {arguments.join}: {', '.join(sorted(set(endpoints.values())))}"]
        else:
            emulators = [
                f"  {s.name:<16} {s.endpoint:<24} pid {s.process.pid:<8} log {s.log.name}" for s in servers
            ]
        seconds = time.monotonic() - started
{%- if cookiecutter.jwt_authoriser %}
        report = _report(
            stack, deployment, emulators, api, issuer, seconds, outputs_file, joined=bool(joined)
        )
{%- else %}
        report = _report(stack, deployment, emulators, {% if cookiecutter.command_api %}api, {% endif %}seconds, outputs_file, joined=bool(joined))
{%- endif %}
        print(report, flush=True)
        outputs_file.write_text(json.dumps(outputs, indent=2) + "\n", encoding="utf-8")
        run_until_stopped(deployment.poll)
        return _stopped()
    except KeyboardInterrupt:
        return _stopped()
    except TemplateError as error:
        print(f"local deploy refused the template: {error}", file=sys.stderr)
        return 1
    except (AlreadyDeployed, EmulatorError) as error:
        print(f"local deploy stopped: {error}", file=sys.stderr)
        return 1
    except BotoCoreError as error:
        if not joined or all(answers(endpoint) for endpoint in set(joined.values())):
            raise
        # The deploy whose emulators this one joined has stopped, and they with it.
        print(
            f"local deploy stopped: the emulators of {arguments.join} no longer answer ({error}): their "
            "local deploy has stopped. Start it again (`make local` there), then this one.",
            file=sys.stderr,
        )
        return 1
    finally:
        # Whatever ended the run (an error too): no signal may cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
{%- if cookiecutter.command_api %}
        if api is not None:
            api.stop()
{%- endif %}
        if joined and deployment is not None and all(answers(endpoint) for endpoint in set(joined.values())):
            # On emulators that run on, this component's resources would stop its next start there.
            left = deployment.teardown()
            if left:
                print("could not remove from the joined emulators: " + "; ".join(left), file=sys.stderr)
        for server in reversed(servers):
            server.stop()


def _joined(outputs_file: str) -> dict[str, str]:
    """The emulators' endpoints of the running local deploy whose outputs are in ``outputs_file``."""
    if not outputs_file:
        return {}
    try:
        endpoints = json.loads(Path(outputs_file).read_text(encoding="utf-8"))["Endpoints"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(
            "name the outputs file of a running local deploy (`make local` in the other component writes "
            f".local/outputs.json there) ({error})"
        ) from error
    wanted = ("dynamodb", "eventbridge", "sqs")
    if not isinstance(endpoints, dict) or not all(isinstance(endpoints.get(name), str) for name in wanted):
        raise ValueError(f"its Endpoints must name {', '.join(wanted)}")
    for name in wanted:
        if not answers(endpoints[name]):
            raise ValueError(
                f"nothing answers at {endpoints[name]} ({name}): is that local deploy still running? "
                "Start it first (`make local` there), then this one"
            )
    return {name: endpoints[name] for name in wanted}


def _check_joined(outputs_file: str, endpoints: dict[str, str]) -> None:
    """Refuse endpoints that answer but are not the emulators (a port taken since by something else)."""
    import boto3

    try:
        boto3.client("dynamodb", endpoint_url=endpoints["dynamodb"]).list_tables(Limit=1)
        boto3.client("events", endpoint_url=endpoints["eventbridge"]).list_event_buses(Limit=1)
    except (BotoCoreError, ClientError) as error:
        raise EmulatorError(
            f"the endpoints in {outputs_file} answer, but not as DynamoDB Local and moto server ({error}):"
            " is that local deploy still running? Start it again (`make local` there), then this one"
        ) from error


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C or SIGTERM: stop. Any later one (a second Ctrl-C, or `uv run` passing the first one on) is
    ignored from this moment, so it cannot cut the clean-up short, however long that takes to begin."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Recorded before it is raised: Python drops an exception raised while a finaliser runs (a socket's
    # or a response's, which boto3 leaves to the garbage collector), and with every later signal ignored
    # the deploy would run on for good. run_until_stopped reads the record.
    STOPPING.set()
    raise KeyboardInterrupt


def _unraisable(unraisable: Any) -> None:
    """Python's report of an exception a finaliser dropped: none for the Ctrl-C that STOPPING has
    recorded (run_until_stopped stops on the record; a traceback would only alarm), Python's own for
    anything else."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt) and STOPPING.is_set():
        return
    sys.__unraisablehook__(unraisable)


def run_until_stopped(poll: Callable[[], int]) -> None:
    """Run the functions on their event sources (``poll`` once per round) until Ctrl-C or SIGTERM, even
    when the KeyboardInterrupt of that signal was lost in a finaliser."""
    while not STOPPING.is_set():
        if poll() == 0:
            time.sleep(IDLE_SECONDS)


def _stopped() -> int:
    print("stopping the local deploy", flush=True)
    return 0


{% if cookiecutter.command_api -%}
def _outputs(stack: Stack, api_url: str | None) -> dict[str, Any]:
    """The stack's outputs with local values; the API's AWS URL becomes the local one."""
{%- else -%}
def _outputs(stack: Stack) -> dict[str, Any]:
    """The stack's outputs with local values."""
{%- endif %}
    found: dict[str, Any] = {}
    for name, output in stack.outputs.items():
        try:
            value = stack.resolve(output["Value"])
        except TemplateError:
            continue
{%- if cookiecutter.command_api %}
        if api_url is not None and isinstance(value, str):
            value = re.sub(r"^https://local\.execute-api\.[^/]+/[^/]+/", api_url, value)
{%- endif %}
        found[name] = value
    return found


def _report(
    stack: Stack,
    deployment: LocalDeployment,
    emulators: list[str],
{%- if cookiecutter.command_api %}
    api: LocalApi | None,
{%- endif %}
{%- if cookiecutter.jwt_authoriser %}
    issuer: LocalIssuer | None,
{%- endif %}
    seconds: float,
    outputs_file: Path,
    *,
    joined: bool,
) -> str:
    counts: dict[str, int] = {}
    for resource in stack.resources.values():
        counts[resource.type] = counts.get(resource.type, 0) + 1
    lines = [f"{stack.name} runs locally (ready in {seconds:.1f} s); outputs in {outputs_file}", ""]
    lines += [
        f"  {kind:<36} {count:>3}  {EMULATED[kind]}"
        for kind, count in sorted(counts.items())
        if kind in EMULATED
    ]
    lines += ["", "Not emulated:"]
    lines += [
        f"  {kind:<36} {count:>3}  {NOT_EMULATED[kind]}"
        for kind, count in sorted(counts.items())
        if kind in NOT_EMULATED
    ]
    lines += [f"  {setting}" for setting in NOT_EMULATED_SETTINGS]
    if deployment.imported_buses:
        lines += ["", "Imported buses, created as local stand-ins: " + ", ".join(deployment.imported_buses)]
    if deployment.joined_buses:
        lines += ["", "Imported buses, found on the emulators already: " + ", ".join(deployment.joined_buses)]
    lines += ["", "Emulators:", *emulators]
    lines += ["", "Event sources:"] + [f"  {poller.description}" for poller in deployment.pollers]
{%- if cookiecutter.command_api %}
    if api is not None:
        lines += ["", f"API: {api.url}"] + [f"  {r.method:<6} {r.resource_path}" for r in api.routes]
{%- endif %}
{%- if cookiecutter.jwt_authoriser %}
    if issuer is not None:
        lines += [
            "",
            "JWT authoriser: as synthesized, it takes RS256 access tokens with a subject, of",
            f"  issuer   {issuer.issuer}",
            f"  audience {issuer.audience}",
            f"  signed here by the local key {issuer.key_file}, not the issuer's published keys:",
            "  `make token` prints one (SUBJECT=... names who it speaks for).",
        ]
{%- endif %}
    lines += [f"  {problem}" for problem in deployment.problems]
    if joined:
        lines += ["", "Ctrl-C stops this component; the emulators run on with the deploy that started them."]
    else:
        lines += ["", "Ctrl-C stops everything."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

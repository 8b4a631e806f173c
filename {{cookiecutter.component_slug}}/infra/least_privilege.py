"""Least privilege, checked against the code: what each function is granted beside what it needs.

Needed, per function:

* the AWS calls its code can make, collected from the source: the handler's module, then every function
  and method it reaches in the package (a call on ``self``, on an annotated parameter or variable, on
  what an annotated function returns), and the library classes it builds (Powertools' idempotency layer):
  each boto3 client operation named there, a paginator's operation, each kind of item a transaction
  writes (IAM authorises a TransactWriteItems item by item, as PutItem, UpdateItem, ...). A call is
  on the resource the function's environment names where the object that makes it was built
  (``EventStore(client, settings.table_name)``: the table in TABLE_NAME);
* what Lambda itself does for the function, as AWS documents it: write its logs, poll its event
  source, send a record it gave up on to the on-failure destination, send its traces.

Granted: the Allow statements of the function's role. tests/infra/test_least_privilege.py requires the two
to be equal for every function of every stack, so a grant no code uses fails, and so does a call without
a grant, each named with its function, action and resource.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.session import Session, get_session

SOURCE_DIR = Path(__file__).resolve().parent.parent / "src"

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef

# (action, resource): the resource is a logical id of the template ("Store"'s table), a logical id with
# "/stream" for its stream, a name given as is (a bus the stack imports by name), or "*".
Permission = tuple[str, str]

# What IAM checks for each kind of item in a TransactWriteItems call (the call itself is no action).
TRANSACTION_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# The client methods that are no operation of their own, and what they stand for.
NOT_OPERATIONS = {"get_paginator", "get_waiter", "can_paginate", "close"}


# ---------------------------------------------------------------------------- the template's side


def resource_of(value: Any) -> str:
    """The resource a statement, an environment variable or a mapping names, as a Permission's part."""
    if value == "*":
        return "*"
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return str(value["Ref"])
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"{logical_id}/stream" if attribute == "StreamArn" else str(logical_id)
    if "Fn::Join" in value:
        # An ARN built from a name (a bus imported by name): the name is its last segment.
        separator, parts = value["Fn::Join"]
        text: str = separator.join(part if isinstance(part, str) else "" for part in parts)
        return text.rsplit("/", 1)[-1]
    raise ValueError(f"a resource this check cannot read: {value!r}")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted(template: Mapping[str, Any], function_id: str) -> set[Permission]:
    """Every (action, resource) the role of ``function_id`` allows."""
    resources = template["Resources"]
    role_id = resources[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    role = resources[role_id]["Properties"]
    if role.get("ManagedPolicyArns"):
        raise ValueError(f"{role_id} has managed policies, whose statements this check cannot see")
    documents = [policy["PolicyDocument"] for policy in role.get("Policies", [])]
    documents += [
        resource["Properties"]["PolicyDocument"]
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]
    ]
    permissions = set()
    for document in documents:
        for statement in document["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            if "NotAction" in statement or "NotResource" in statement:
                raise ValueError(f"{role_id}: NotAction and NotResource allow more than they name")
            for action in _listed(statement["Action"]):
                for resource in _listed(statement["Resource"]):
                    permissions.add((action, resource_of(resource)))
    return permissions


def needed_by_lambda(template: Mapping[str, Any], function_id: str) -> dict[Permission, str]:
    """What Lambda does with the function's role, and why: logs, event sources, traces."""
    resources = template["Resources"]
    function = resources[function_id]["Properties"]
    needed: dict[Permission, str] = {}
    log_group = resource_of(function["LoggingConfig"]["LogGroup"])
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        needed[(action, log_group)] = "Lambda writes the function's logs"
    if function.get("TracingConfig", {}).get("Mode") == "Active":
        # X-Ray's two actions have no resource-level permissions.
        for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
            needed[(action, "*")] = "Lambda sends the function's traces"
    for mapping in resources.values():
        properties = mapping["Properties"] if mapping["Type"] == "AWS::Lambda::EventSourceMapping" else {}
        if properties.get("FunctionName") != {"Ref": function_id}:
            continue
        source = resource_of(properties["EventSourceArn"])
        if source.endswith("/stream"):
            # AWS's documented needs of a DynamoDB stream mapping; ListStreams works on "*" only.
            for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
                needed[(action, source)] = "Lambda polls the table's stream"
            needed[("dynamodb:ListStreams", "*")] = "Lambda polls the table's stream"
        elif resources[source]["Type"] == "AWS::SQS::Queue":
            for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
                needed[(action, source)] = "Lambda polls the queue"
        else:
            raise ValueError(f"an event source this check does not know: {source}")
        on_failure = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if on_failure is not None:
            destination = resource_of(on_failure)
            kind = resources[destination]["Type"]
            action = {"AWS::SQS::Queue": "sqs:SendMessage", "AWS::SNS::Topic": "sns:Publish"}[kind]
            needed[(action, destination)] = "Lambda sends the records it gave up on to the destination"
    return needed


def environment_of(template: Mapping[str, Any], function_id: str) -> dict[str, str]:
    """The function's environment variables, each as the resource (or the value) it names."""
    variables = template["Resources"][function_id]["Properties"].get("Environment", {}).get("Variables", {})
    return {name: resource_of(value) for name, value in variables.items()}


def functions(template: Mapping[str, Any]) -> dict[str, str]:
    """Each Lambda function's logical id and its handler."""
    return {
        logical_id: resource["Properties"]["Handler"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    }


# ---------------------------------------------------------------------------- the code's side


@dataclass(frozen=True)
class Call:
    """An AWS operation the code can call: the IAM action, the class whose object calls it, where."""

    action: str
    owner: str  # the qualified name of the class, or of the module for a module-level function
    where: str
    # The attribute names among the call's own arguments (``QueueUrl=settings.queue_url``).
    arguments: frozenset[str] = frozenset()


@functools.cache
def _session() -> Session:
    """One botocore session for every service model read here (each reads its model files once)."""
    return get_session()


@functools.cache
def _operations(services: frozenset[str]) -> dict[str, set[str]]:
    """Each client method name of these boto3 services, with the IAM actions it can be (its service's
    prefix). Only these: botocore's model of every service it knows took seconds to read."""
    session = _session()
    methods: dict[str, set[str]] = {}
    for service in sorted(services):
        model = session.get_service_model(service)
        prefix = model.signing_name
        for operation in model.operation_names:
            methods.setdefault(xform_name(operation), set()).add(f"{prefix}:{operation}")
    return methods


@dataclass
class Scope:
    """What names mean inside one module: its imports, its functions and classes, its objects' types."""

    module: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, module: str, source: str) -> Scope:
        scope = cls(module, ast.parse(source))
        package = module.rsplit(".", 1)[0]
        # Imports anywhere in the module: some are made on first use, inside a function, on purpose.
        for node in [*ast.walk(scope.tree)]:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    scope.imports[alias.asname or alias.name.split(".")[0]] = alias.name
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                for alias in node.names:
                    scope.imports[alias.asname or alias.name] = f"{base}.{alias.name}"
        for node in scope.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scope.imports[node.name] = f"{module}.{node.name}"
        for node in scope.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                made = scope.resolve(node.value.func)
                for target in node.targets:
                    if isinstance(target, ast.Name) and made:
                        scope.types[target.id] = made
        return scope

    def resolve(self, node: ast.expr | None) -> str | None:
        """The qualified name an expression (a name, a dotted name, an annotation) stands for."""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # an annotation in quotes
            try:
                return self.resolve(ast.parse(node.value, mode="eval").body)
            except SyntaxError:  # a string that is no annotation
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # X | None
            return self.resolve(node.left) or self.resolve(node.right)
        if isinstance(node, ast.Subscript):  # Optional[X], list[X]: only the container is a type here
            return self.resolve(node.value)
        return None


class Code:
    """The package's source, read once: its modules, classes and functions by qualified name."""

    def __init__(self, package: str, source_dir: Path = SOURCE_DIR) -> None:
        self.package = package
        self.scopes: dict[str, Scope] = {}
        for path in sorted((source_dir / package).rglob("*.py")):
            parts = path.relative_to(source_dir).with_suffix("").parts
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            self.scopes[module] = Scope.of(module, path.read_text(encoding="utf-8"))
        # Qualified name -> (scope, definition, the class it is a method of).
        self.definitions: dict[str, tuple[Scope, Definition, str | None]] = {}
        for scope in self.scopes.values():
            for node in scope.tree.body:
                self._index(scope, node, scope.module, None)
        self.services = self._client_services()
        # What each handler reaches, found once: every stack's functions run the same handlers.
        self.reached: dict[str, Reach] = {}
        self.library_calls: dict[str, list[Call]] = {}

    def _client_services(self) -> frozenset[str]:
        """The services the package makes boto3 clients of (``boto3.client("...")``)."""
        found = set()
        for scope in self.scopes.values():
            for node in ast.walk(scope.tree):
                if (
                    isinstance(node, ast.Call)
                    and scope.resolve(node.func) == "boto3.client"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    found.add(str(node.args[0].value))
        return frozenset(found)

    def actions(self, method: str) -> set[str]:
        """The IAM actions a client method ``method`` of the package's services can be."""
        return set(_operations(self.services).get(method, set()))

    def _index(self, scope: Scope, node: ast.AST, prefix: str, owner: str | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.definitions[f"{prefix}.{node.name}"] = (scope, node, owner)
        elif isinstance(node, ast.ClassDef):
            name = f"{prefix}.{node.name}"
            self.definitions[name] = (scope, node, None)
            for child in node.body:
                self._index(scope, child, name, name)

    def ours(self, name: str) -> bool:
        return name == self.package or name.startswith(self.package + ".")

    def method(self, class_name: str, method: str) -> str | None:
        """``class_name.method``, or the method a base class of the package defines."""
        if f"{class_name}.{method}" in self.definitions:
            return f"{class_name}.{method}"
        found = self.definitions.get(class_name)
        if found is None or not isinstance(found[1], ast.ClassDef):
            return None
        for base in found[1].bases:
            resolved = found[0].resolve(base)
            if resolved and self.ours(resolved):
                inherited = self.method(resolved, method)
                if inherited:
                    return inherited
        return None

    def attribute_types(self, class_name: str) -> dict[str, str]:
        """The types of ``self.x``: from the class's annotations and what __init__ assigns from its
        annotated parameters."""
        scope, node, _ = self.definitions[class_name]
        types: dict[str, str] = {}
        if not isinstance(node, ast.ClassDef):
            return types
        for child in node.body:
            if isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
                resolved = scope.resolve(child.annotation)
                if resolved:
                    types[child.target.id] = resolved
        init = self.definitions.get(f"{class_name}.__init__")
        if init is not None:
            function = init[1]
            parameters = _parameter_types(scope, function)
            for statement in ast.walk(function):
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Name)
                    and statement.value.id in parameters
                ):
                    for target in statement.targets:
                        if isinstance(target, ast.Attribute) and _is_self(target.value):
                            types[target.attr] = parameters[statement.value.id]
        return types

    def returns(self, name: str) -> str | None:
        found = self.definitions.get(name)
        if found is None:
            return None
        scope, node, _ = found
        if isinstance(node, ast.ClassDef):
            return name
        return scope.resolve(node.returns)


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _parameter_types(scope: Scope, function: Definition) -> dict[str, str]:
    if isinstance(function, ast.ClassDef):
        return {}
    arguments = function.args
    types = {}
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        resolved = scope.resolve(argument.annotation)
        if resolved:
            types[argument.arg] = resolved
    return types


@dataclass
class Reach:
    """What a handler's code reaches: functions and methods, AWS calls, and the objects it builds."""

    code: Code
    visited: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    # The class (package or library) built, with the attribute names given to it (``settings.x``).
    built: list[tuple[str, set[str]]] = field(default_factory=list)

    def function(self, name: str) -> None:
        if name in self.visited or name not in self.code.definitions:
            return
        self.visited.add(name)
        scope, node, owner = self.code.definitions[name]
        if isinstance(node, ast.ClassDef):
            return
        types = {**scope.types, **_parameter_types(scope, node)}
        nested: dict[str, str] = {}
        for child in ast.walk(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child is not node:
                # A function defined inside is defined to be used: registered, decorated or called.
                nested[child.name] = f"{name}.<locals>.{child.name}"
                self.code.definitions[nested[child.name]] = (scope, child, owner)
        for child in ast.walk(node):
            if isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
                resolved = scope.resolve(child.annotation)
                if resolved:
                    types[child.target.id] = resolved
            elif isinstance(child, ast.Assign) and isinstance(child.value, ast.Call):
                made = self._type_of_call(scope, child.value, types, nested, owner)
                for target in child.targets:
                    if isinstance(target, ast.Name) and made:
                        types[target.id] = made
        for child in ast.walk(node):
            if isinstance(child, ast.Call):
                self.call(scope, child, types, nested, owner, name)
        for qualified in nested.values():
            self.function(qualified)

    def _target(
        self, scope: Scope, func: ast.expr, types: dict[str, str], nested: dict[str, str], owner: str | None
    ) -> str | None:
        """The qualified name of what a call calls, where the code says it (None: not the package's)."""
        if isinstance(func, ast.Name):
            return nested.get(func.id) or scope.imports.get(func.id)
        if isinstance(func, ast.Attribute):
            receiver = self._type_of(scope, func.value, types, nested, owner)
            if receiver and receiver in self.code.definitions:
                found = self.code.definitions[receiver]
                if isinstance(found[1], ast.ClassDef):
                    return self.code.method(receiver, func.attr)
            if receiver and receiver in self.code.scopes:  # a module of the package
                return f"{receiver}.{func.attr}"
            return scope.resolve(func)
        if isinstance(func, ast.Call):  # f()(...): what f returns, called
            made = self._type_of_call(scope, func, types, nested, owner)
            return self.code.method(made, "__call__") if made else None
        return None

    def _type_of(
        self, scope: Scope, node: ast.expr, types: dict[str, str], nested: dict[str, str], owner: str | None
    ) -> str | None:
        if isinstance(node, ast.Name):
            if node.id == "self":
                return owner
            return types.get(node.id) or scope.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            if _is_self(node.value) and owner:
                return self.code.attribute_types(owner).get(node.attr)
            return scope.resolve(node)
        if isinstance(node, ast.Call):
            return self._type_of_call(scope, node, types, nested, owner)
        return None

    def _type_of_call(
        self, scope: Scope, call: ast.Call, types: dict[str, str], nested: dict[str, str], owner: str | None
    ) -> str | None:
        target = self._target(scope, call.func, types, nested, owner)
        if target is None:
            return None
        if self.code.ours(target):
            return self.code.returns(target)
        return target  # a library's class or function: its name stands for what it makes

    def call(
        self,
        scope: Scope,
        call: ast.Call,
        types: dict[str, str],
        nested: dict[str, str],
        owner: str | None,
        caller: str,
    ) -> None:
        func = call.func
        where = f"{caller.removeprefix(self.code.package + '.')}, line {call.lineno}"
        if isinstance(func, ast.Attribute):
            receiver = self._type_of(scope, func.value, types, nested, owner)
            service = _client_service(receiver)
            # A client operation is called on a boto3 client (typed as one, or of a type nothing here
            # knows); a method of the package's objects or of a library's (`jmespath_utils.query`) is not.
            if receiver is None or service is not None:
                for action in self._actions(scope, call, func.attr):
                    if service is None or action.startswith(f"{service}:"):
                        arguments = frozenset(_attributes(call))
                        self.calls.append(Call(action, owner or scope.module, where, arguments))
        target = self._target(scope, func, types, nested, owner)
        if target is None:
            return
        found = self.code.definitions.get(target)
        if found is not None and isinstance(found[1], ast.ClassDef):
            self.built.append((target, _attributes(call)))
            self.function(f"{target}.__init__")
        elif found is not None:
            self.function(target)
        elif not self.code.ours(target) and target[:1].isalpha():
            library_class = _library_class(target)
            if library_class is not None:
                self.built.append((target, _attributes(call)))
                self.calls.extend(_library_calls(self.code, target, library_class))

    def _actions(self, scope: Scope, call: ast.Call, method: str) -> set[str]:
        if method == "get_paginator" and call.args and isinstance(call.args[0], ast.Constant):
            method = str(call.args[0].value)
        if method == "transact_write_items":
            return {f"dynamodb:{TRANSACTION_ITEMS[kind]}" for kind in _item_kinds(scope.tree)}
        if method == "transact_get_items":
            return {"dynamodb:GetItem"}
        if method in NOT_OPERATIONS:
            return set()
        return self.code.actions(method)


def _client_service(type_name: str | None) -> str | None:
    """The IAM prefix of a boto3 client type (``mypy_boto3_dynamodb.DynamoDBClient``), else None."""
    if type_name is None or not type_name.startswith("mypy_boto3_"):
        return None
    service = type_name.split(".")[0].removeprefix("mypy_boto3_")
    return str(_session().get_service_model(service).signing_name)


def _attributes(call: ast.Call) -> set[str]:
    """The attribute names among a call's arguments: ``settings.table_name`` gives ``table_name``."""
    return {
        node.attr
        for argument in [*call.args, *(keyword.value for keyword in call.keywords)]
        for node in ast.walk(argument)
        if isinstance(node, ast.Attribute)
    }


def _item_kinds(tree: ast.Module) -> set[str]:
    """The kinds of transaction item a module builds: the keys "Put", "Update", ... of its dicts."""
    return {
        key.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant) and key.value in TRANSACTION_ITEMS
    }


def _library_class(name: str) -> type | None:
    module_name, _, attribute = name.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError):
        return None
    return found if inspect.isclass(found) else None


def _library_calls(code: Code, name: str, library_class: type) -> list[Call]:
    """Every client operation a library class's own methods name: the library's contract, not one path
    through it (Powertools' idempotency layer puts, reads, completes and deletes its records)."""
    if name not in code.library_calls:
        code.library_calls[name] = _read_library_calls(code, name, library_class)
    return code.library_calls[name]


def _read_library_calls(code: Code, name: str, library_class: type) -> list[Call]:
    # Finding a class's source parses its whole module: once per class.
    try:
        lines, first_line = inspect.getsourcelines(library_class)
    except (OSError, TypeError) as error:
        if not any(inspect.isfunction(member) for member in vars(library_class).values()):
            # A class built in C has no Python source to read (Decimal; functools.partial on Python
            # 3.13, whose inspect no longer finds the pure-Python copy). It sends no AWS request of its
            # own: the SDK every client call goes through, botocore, is Python.
            return []
        # Python code whose source is missing could make any call: the check stops rather than pass it.
        raise ValueError(
            f"{name} is a Python class whose source this check cannot read ({error}), so it cannot tell "
            "which AWS calls the class makes: install its library with its .py files, or build the "
            "object in this package's own code"
        ) from error
    source = textwrap.dedent("".join(lines))
    file = Path(inspect.getsourcefile(library_class) or name).name
    # Only calls on an object named as a client (``self.client.put_item``): a library's own methods may
    # share an operation's name (Powertools' ``jmespath_utils.query``), its clients' calls do not hide.
    return [
        Call(action, name, f"{name} ({file}, line {first_line + node.lineno - 1})")
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and ast.unparse(node.func.value).lower().endswith("client")
        and node.func.attr not in NOT_OPERATIONS
        for action in code.actions(node.func.attr)
    ]


def reach(code: Code, handler: str) -> Reach:
    """Everything the handler ``package.handlers.x.lambda_handler`` reaches: every function of its
    module is an entry (a route, a record handler), then what each calls."""
    if handler not in code.reached:
        code.reached[handler] = _reach(code, handler)
    return code.reached[handler]


def _reach(code: Code, handler: str) -> Reach:
    module = handler.rsplit(".", 1)[0]
    scope = code.scopes[module]
    found = Reach(code)
    for node in scope.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.function(f"{module}.{node.name}")
        elif not isinstance(node, ast.ClassDef):
            # What the module builds when it is imported: its resolver, its processor, its clients.
            for child in ast.walk(node):
                if isinstance(child, ast.Call):
                    found.call(scope, child, dict(scope.types), {}, None, module)
    return found


def needed_by_code(
    code: Code, handler: str, environment: Mapping[str, str], fields: Mapping[str, str]
) -> dict[Permission, str]:
    """The AWS calls the handler's code can make, each on the resource its environment names for the
    object that makes it, with where the code makes it. ``fields`` maps a settings field to the
    environment variable it is read from."""
    reached = reach(code, handler)
    resources: dict[str, set[str]] = {}
    for class_name, attributes in reached.built:
        for attribute in attributes:
            variable = fields.get(attribute, "")
            if variable in environment:
                resources.setdefault(class_name, set()).add(environment[variable])
    needed: dict[Permission, str] = {}
    for call in reached.calls:
        # The resource a call names itself (a setting among its arguments), else its object's.
        named = {environment[fields[name]] for name in call.arguments if fields.get(name, "") in environment}
        for resource in sorted(named or resources.get(call.owner, {UNNAMED})):
            needed.setdefault((call.action, resource), call.where)
    return needed


# Where a call's resource cannot be told: its name comes from no setting the stack sets.
UNNAMED = "a resource no setting names (read its name from settings.py, which the stack sets)"


def settings_fields(code: Code) -> dict[str, str]:
    """Each settings field and the environment variable it is read from: ``table_name=_required(environ,
    "TABLE_NAME")`` in settings.py gives table_name -> TABLE_NAME."""
    fields = {}
    for node in ast.walk(code.scopes[f"{code.package}.settings"].tree):
        if isinstance(node, ast.keyword) and node.arg:
            names = [
                child.value
                for child in ast.walk(node.value)
                if isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value.isupper()
            ]
            if names:
                fields[node.arg] = names[0]
    return fields


def differences(template: Mapping[str, Any], code: Code) -> list[str]:
    """Each grant no code or Lambda uses, and each need without a grant, per function: empty when every
    function's role allows exactly what it needs."""
    fields = settings_fields(code)
    problems = []
    for function_id, handler in sorted(functions(template).items()):
        environment = environment_of(template, function_id)
        by_lambda = needed_by_lambda(template, function_id)
        by_code = needed_by_code(code, handler, environment, fields)
        allowed = granted(template, function_id)
        for action, resource in sorted(allowed - by_lambda.keys() - by_code.keys()):
            problems.append(
                f"{function_id}: {action} on {resource} is granted, and neither its code nor Lambda uses it: "
                "remove the grant from infra/stack.py"
            )
        for (action, resource), where in sorted(by_code.items()):
            if (action, resource) not in allowed:
                problems.append(
                    f"{function_id}: {where} calls {action} on {resource}, which its role does not grant: "
                    "grant it in infra/stack.py, on that resource only"
                )
        for (action, resource), why in sorted(by_lambda.items()):
            if (action, resource) not in allowed:
                problems.append(f"{function_id}: {why}, which needs {action} on {resource}: grant it")
    return problems

"""The dependencies layer (infra/layer.py): what goes in, how it is named, what its check catches.

These run offline, on the lock and on layers laid out here. The build itself needs the runtime's Python
and the package index: `make layer` builds it, checks it and imports every handler on it (CI's
lambda-runtime job runs it on each change), and `cdk deploy` builds it the same way.
"""

from __future__ import annotations

import py_compile
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from infra import layer
from infra.app import NOTHING_BUNDLED
from infra.stack import ARCHITECTURE, RUNTIME
from tests.infra.conftest import Synthesized

TARGET = layer.Target("3.13", "arm64")
LAYER = "AWS::Lambda::LayerVersion"


def test_the_layer_carries_the_runtime_dependencies_at_the_versions_the_tests_run_on() -> None:
    pinned = layer.pins(layer.requirements())
    # The tests import these from .venv, installed from the same uv.lock.
    assert {name: metadata.version(name) for name in pinned} == pinned
    assert {"aws-lambda-powertools", "boto3", "botocore", "pydantic", "pydantic-core"} <= set(pinned)
    # The development groups stay out: the tools, the CDK app's libraries, the emulators.
    assert not {"pytest", "mypy", "ruff", "moto", "aws-cdk-lib", "constructs", "cfn-lint"} & set(pinned)
    # Each with the lock's hashes, which the build requires.
    assert layer.requirements().count("--hash=sha256:") >= len(pinned)


def test_the_stack_builds_the_layer_for_the_functions_runtime() -> None:
    assert layer.Target.of(RUNTIME, ARCHITECTURE) == TARGET


def test_the_layer_is_named_by_what_goes_in(monkeypatch: pytest.MonkeyPatch) -> None:
    named = TARGET.asset_hash()
    assert TARGET.asset_hash() == named
    assert layer.Target("3.14", "arm64").asset_hash() != named
    assert layer.Target("3.13", "x86_64").asset_hash() != named
    monkeypatch.setattr(layer, "RECIPE", layer.RECIPE + 1)
    assert TARGET.asset_hash() != named
    monkeypatch.undo()
    locked = layer.requirements()
    monkeypatch.setattr(layer, "requirements", lambda: locked + "six==1.0\n")
    assert TARGET.asset_hash() != named


def staged_key(target: layer.Target, outdir: Path) -> str:
    """The S3 key the CDK gives the layer's content for ``target``, in a stack of its own."""
    app = App(outdir=str(outdir), context=NOTHING_BUNDLED, analytics_reporting=False)
    stack = Stack(app, "Probe")
    lambda_.LayerVersion(stack, "Layer", code=layer.code(target))
    template = app.synth().get_stack_by_name("Probe").template
    (resource,) = [value for value in template["Resources"].values() if value["Type"] == LAYER]
    return str(resource["Properties"]["Content"]["S3Key"])


def test_the_stack_names_the_layer_by_what_goes_in_too(
    dev: Synthesized, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CDK derives the content's S3 key from the asset hash: a new key is a new layer version.
    ((_, dependencies),) = dev.resources(LAYER).items()
    same = staged_key(TARGET, tmp_path / "same")
    assert dependencies["Properties"]["Content"]["S3Key"] == same
    locked = layer.requirements()
    monkeypatch.setattr(layer, "requirements", lambda: locked.replace("boto3==", "boto3==0", 1))
    assert staged_key(TARGET, tmp_path / "another-boto3") != same


def test_the_apps_built_here_check_the_template_without_building_the_layer(dev: Synthesized) -> None:
    # make synth, the stack tests, make docs: the layer needs the runtime's Python and is not in a template.
    assert not list(dev.outdir.glob(f"asset.{TARGET.asset_hash()}*"))


# ------------------------------------------------------------ the check of a built layer


def laid_out(root: Path, target: layer.Target = TARGET) -> Path:
    """A layer with each locked package at its version, a module and its bytecode: what a build writes."""
    site = root / "python"
    tag = {"arm64": "aarch64", "x86_64": "x86_64"}[target.architecture]
    for name, version in layer.pins(layer.requirements()).items():
        folder = name.replace("-", "_")
        info = site / f"{folder}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "WHEEL").write_text(f"Wheel-Version: 1.0\nTag: cp313-cp313-manylinux_2_17_{tag}\n")
        compiled(site / folder / "__init__.py", target)
    (site / "pydantic_core" / f"_pydantic_core.cpython-313-{tag}-linux-gnu.so").write_bytes(b"\x7fELF")
    return root


def compiled(source: Path, target: layer.Target, mode: py_compile.PycInvalidationMode | None = None) -> Path:
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("VALUE = 1\n")
    bytecode = source.parent / "__pycache__" / f"{source.stem}.{target.bytecode_tag}.pyc"
    py_compile.compile(
        str(source),
        cfile=str(bytecode),
        invalidation_mode=mode or py_compile.PycInvalidationMode.UNCHECKED_HASH,
        doraise=True,
    )
    return bytecode


def older_pydantic(site: Path) -> str:
    (metadata_file,) = site.glob("pydantic-*.dist-info/METADATA")
    metadata_file.write_text("Metadata-Version: 2.1\nName: pydantic\nVersion: 2.0.0\n")
    return "pydantic: uv.lock has"


def boto3_missing(site: Path) -> str:
    (info,) = site.glob("boto3-*.dist-info")
    for path in info.iterdir():
        path.unlink()
    info.rmdir()
    return "boto3: uv.lock has"


def a_development_tool(site: Path) -> str:
    info = site / "pytest-9.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pytest\nVersion: 9.0.0\n")
    return "pytest: in the layer, not among uv.lock's runtime dependencies"


def a_library_for_another_machine(site: Path) -> str:
    (site / "pydantic_core" / "_pydantic_core.cpython-313-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    return "not built for aarch64"


def a_wheel_for_another_machine(site: Path) -> str:
    (wheel,) = site.glob("pydantic_core-*.dist-info/WHEEL")
    wheel.write_text("Wheel-Version: 1.0\nTag: cp313-cp313-manylinux_2_17_x86_64\n")
    return "a wheel for cp313-cp313-manylinux_2_17_x86_64, not for aarch64"


def a_module_without_bytecode(site: Path) -> str:
    (site / "six.py").write_text("VALUE = 1\n")
    return "six.py: no cpython-313 bytecode"


def bytecode_checked_against_timestamps(site: Path) -> str:
    compiled(site / "jmespath" / "__init__.py", TARGET, py_compile.PycInvalidationMode.TIMESTAMP)
    return "not an unchecked-hash .pyc"


def nothing_on_the_path(site: Path) -> str:
    site.rename(site.with_name("lib"))
    return "has no python/ folder"


@pytest.mark.parametrize(
    "damage",
    [
        older_pydantic,
        boto3_missing,
        a_development_tool,
        a_library_for_another_machine,
        a_wheel_for_another_machine,
        a_module_without_bytecode,
        bytecode_checked_against_timestamps,
        nothing_on_the_path,
    ],
)
def test_the_check_of_a_built_layer_names_what_is_wrong(
    tmp_path: Path, damage: Callable[[Path], str]
) -> None:
    root = laid_out(tmp_path)
    assert layer.problems(root, TARGET) == []
    expected = damage(root / "python")
    found = layer.problems(root, TARGET)
    assert len(found) == 1, found
    assert expected in found[0], found


def test_the_trial_tells_bytecode_from_source(tmp_path: Path) -> None:
    # The trial reads Python's -v report of where each module's code came from; here with this
    # machine's Python, one module with bytecode as the build writes it and one without.
    here = layer.Target(f"{sys.version_info.major}.{sys.version_info.minor}", "x86_64")
    compiled(tmp_path / "with_bytecode.py", here)
    (tmp_path / "source_only.py").write_text("VALUE = 2\n")
    script = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import with_bytecode, source_only"
    report = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-v", "-c", script], capture_output=True, text=True, check=True
    ).stderr
    found = [
        match["path"]
        for match in layer.FROM_SOURCE.finditer(report)
        if match["path"].startswith(str(tmp_path))
    ]
    assert found == [str(tmp_path / "source_only.py")]


def test_a_build_refuses_a_folder_with_something_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    assert layer.main(["build", str(tmp_path)]) == 2
    assert "is not empty: name a new folder" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine\n"

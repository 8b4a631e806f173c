"""Write the bytecode of every module `make synth` and the stack tests import: `python -m infra.bytecode`.

A synth imports about 52 MB of aws-cdk-lib's source. The first target that needs it runs this, once per
lock (the Makefile's `.venv/.infra-bytecode`), so that `make verify`'s parallel targets load bytecode
instead of each compiling the same modules at the same time. Importing what the synth imports compiles
exactly those: `compileall` on the same packages would compile every AWS service's module (about
270 MB). It writes bytecode whatever PYTHONDONTWRITEBYTECODE says, as the make targets do (ADR 0014).
"""

from __future__ import annotations

import compileall
import importlib
import sys
import tempfile
from pathlib import Path


def main() -> int:
    # This command exists to write bytecode, whatever the environment says.
    sys.dont_write_bytecode = False
    import cfnlint

    from {{ cookiecutter.package_name }}.settings import STAGES

    from infra import app

    # The lint, what a synth returns and the stack tests' assertions.
    for module in ("infra.lint", "aws_cdk.cx_api", "aws_cdk.assertions"):
        importlib.import_module(module)

    # Building the stacks imports the modules aws-cdk-lib loads on demand; nothing is synthesized.
    with tempfile.TemporaryDirectory() as outdir:
        for stage in STAGES:
            app.stage_app(stage, Path(outdir) / stage)
    # cfn-lint imports its rules from its package folder when it runs: compile the folder (1 MB).
    compiled = compileall.compile_dir(Path(cfnlint.__file__).parent, quiet=1, workers=2)
    return 0 if compiled else 1


if __name__ == "__main__":
    sys.exit(main())

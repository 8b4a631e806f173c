"""Copier only: expose the answers as ``cookiecutter.*`` so one tree of templates serves both tools.

Kept apart from hooks/answers.py, which cookiecutter loads on every render: this module imports copier
(through copier-template-extensions), which a cookiecutter render has no use for.
"""

from __future__ import annotations

from typing import Any

from copier_template_extensions import ContextHook


class CookiecutterNamespace(ContextHook):
    """Adds a ``cookiecutter`` mapping holding every other name of copier's render context."""

    def hook(self, context: dict[str, Any]) -> None:
        context["cookiecutter"] = {key: value for key, value in context.items() if key != "cookiecutter"}

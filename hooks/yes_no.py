"""Yes/no answers render as booleans in every cookiecutter render, including the ones the gate misses.

The gate (``reject_invalid_answers`` in hooks/answers.py) turns the yes/no answers into booleans when
it runs. `cruft update` renders the component's release and the new one in one Python process, from
one folder: Python keeps the ``hooks.answers`` it imported first, so the new release renders with the
old release's rules, which do not know a yes/no question added since. That answer then arrives as its
default's text, ``"false"``, which Jinja takes as true: the update would switch the option on.

This module's name is new to such a process, and it reads which questions are yes/no from the context
(``_yes_no`` in cookiecutter.json, which cruft always takes from the new release) each time a template
renders. It turns the two spellings cookiecutter.json writes into booleans; any other spelling is the
gate's to refuse. Copier's answers are booleans already: only cookiecutter loads it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import jinja2.runtime
from jinja2 import Environment
from jinja2.ext import Extension


class YesNoContext(jinja2.runtime.Context):
    def __init__(
        self,
        environment: Environment,
        parent: dict[str, Any],
        name: str | None,
        blocks: dict[str, Any],
        globals: MutableMapping[str, Any] | None = None,
    ) -> None:
        answers = parent.get("cookiecutter")
        if isinstance(answers, MutableMapping):
            for field in answers.get("_yes_no", ()):
                if answers.get(field) in ("true", "false"):
                    answers[field] = answers[field] == "true"
        super().__init__(environment, parent, name, blocks, globals)


class YesNoAnswers(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.context_class = YesNoContext

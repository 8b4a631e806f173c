"""{{ cookiecutter.component_name }}.

Owns the {{ cookiecutter.aggregate }} aggregate; run by {{ cookiecutter.owning_team }}.
"""

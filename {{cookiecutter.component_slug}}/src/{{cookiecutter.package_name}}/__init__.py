"""{{ cookiecutter.component_name }}.

Owns the {{ cookiecutter.aggregate }} aggregate and publishes its events.
"""

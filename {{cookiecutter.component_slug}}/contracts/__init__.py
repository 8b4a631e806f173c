"""Event contracts: JSON Schemas generated from the event models, and the gate that keeps them compatible.

Run as ``python -m contracts`` with ``docs`` (write docs/events/schemas; ``--check`` fails when they
are stale instead), ``check`` (refuse a change that would break a public event's consumers) or
``release`` (make today's public schemas the new baseline). ``python -m contracts.documents`` checks
the AsyncAPI document and catalog-info.yaml with the parsers their readers use.
"""

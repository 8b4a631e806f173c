"""Event contracts: JSON Schemas generated from the event models, and the gate that keeps them compatible.

Run as ``python -m contracts`` with ``docs`` (write docs/events/schemas and the documents made from the
code; ``--check`` fails when they are stale instead), ``check`` (refuse a change that would break a
public event's consumers, and a released baseline file removed or changed against the target branch),
``release`` (add the public versions not yet released to the baseline), ``new-version <Event>`` (publish
a public event's next version beside the current one) or ``retire-version <Event> <N>`` (stop publishing
an earlier version no known consumer reads). ``python -m contracts.documents`` checks the AsyncAPI
document and catalog-info.yaml with the parsers their readers use.
"""

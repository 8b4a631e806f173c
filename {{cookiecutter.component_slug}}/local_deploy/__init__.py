"""The component on this machine: the synthesized stack deployed to local emulators (`make local`).

DynamoDB Local (AWS's own) holds the tables and streams, moto server the buses, rules and queues; each
function's handler runs in this process, fed by its event sources with the settings of the synthesized
template{% if cookiecutter.command_api %}, and the REST API is served on a loopback port{% endif %}. The integration tests use the same emulators
and the same event source mappings.
"""

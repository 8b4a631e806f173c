"""Lambda handlers: thin adapters that parse the trigger's event, call the domain and shape the reply."""

"""The component's events as facts for others: names, versions, visibility and their serialised form."""

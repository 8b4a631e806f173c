"""The event/state store on one DynamoDB table (see docs/architecture/decisions/0002-event-state-store.md)."""

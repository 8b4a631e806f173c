"""The domain: pure Python and pydantic, no AWS or Lambda types, so it is tested without either."""

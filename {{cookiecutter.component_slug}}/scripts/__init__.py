"""Commands a squad runs by hand, each behind a make target (`make help` lists them)."""

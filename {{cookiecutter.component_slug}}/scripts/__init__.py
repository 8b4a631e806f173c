"""Commands a squad runs by hand: the template status, and (with the consumer) the DLQ redrive."""

"""The store adapters: the event store with its idempotency index and hash chain, dead letters,
signed checkpoints and `verify`, and the SQL plumbing that the projections share."""

"""Use cases: one function each, run inside a unit of work; they return ids or plain snapshots."""

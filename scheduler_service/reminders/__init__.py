"""Reminders: the messages, the outbox dispatcher and the one scheduler process that runs it."""

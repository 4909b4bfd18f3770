"""WSGI entry point for gunicorn and `flask --app wsgi`; it never starts the reminder scheduler."""

from scheduler_service import create_app

app = create_app()

"""The REST API (/api/v1): flask-smorest blueprints, one package per resource."""

"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI (`flask --app wsgi`).

Serving the app never starts the scheduler; run `flask --app wsgi scheduler` once, separately.
"""
from factory import create_app

app = create_app()

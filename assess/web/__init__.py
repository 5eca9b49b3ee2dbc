"""`assess serve`: the guided assessment in the browser, for teams, assessors and boards.

store.py holds the schema and the database; auth.py accounts, sessions, CSRF and roles;
records.py turns stored rows into the library's Session and back; app.py the Flask app and
its security headers; the views live in routes_*.py. Flask, SQLAlchemy and Alembic are
imported only when a web command runs, so `assess --help` stays fast.
"""

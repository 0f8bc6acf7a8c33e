"""The benchmark baseline: a bare Django project whose one view looks a ticket up by its secret
and inserts a row, nothing else. Served like the real server (gunicorn, same workers and
threads, same PostgreSQL), it shows what the framework and the database cost on their own."""

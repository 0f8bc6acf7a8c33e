from django.db import DatabaseError, connection


def database_answers() -> bool:
    """Whether the database answers a trivial query (for load balancer health checks)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except DatabaseError:
        return False

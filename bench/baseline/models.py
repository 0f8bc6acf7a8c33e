from django.db import models


class Ticket(models.Model):
    secret = models.CharField(max_length=40, unique=True)

    # Declared, as the type checker runs with the project's settings, which lack this app.
    objects: "models.Manager[Ticket]" = models.Manager()

    class Meta:
        app_label = "baseline"

    def __str__(self) -> str:
        return self.secret


class Scan(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    ticket_id: int

    objects: "models.Manager[Scan]" = models.Manager()

    class Meta:
        app_label = "baseline"

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.created_at}"

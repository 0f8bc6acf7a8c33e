from django.http import HttpRequest, HttpResponse, JsonResponse

from bench.baseline.models import Scan, Ticket


def scan(request: HttpRequest, secret: str) -> HttpResponse:
    """POST /scan/<secret>: find the ticket by its secret, insert a row, answer its id."""
    if request.method != "POST":
        return HttpResponse(status=405)
    ticket = Ticket.objects.filter(secret=secret).only("pk").first()
    if ticket is None:
        return JsonResponse({"error": "unknown ticket"}, status=404)
    row = Scan.objects.create(ticket=ticket)
    return JsonResponse({"id": row.pk}, status=201)


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})

"""The answer to a non-member who opens a page for union members only: what it is and the way
in (joining online), in the member shell, instead of a bare 404."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def members_only_page(request: HttpRequest) -> HttpResponse:
    # 403: the page exists and is refused to this visitor, as the explanation says.
    return render(request, "members/members_only.html", status=403)

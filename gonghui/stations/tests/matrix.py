"""What the permission matrix (accounts/tests/test_permission_matrix.py) needs for the station
endpoints: a station run by the target org T, made on first use, and its form and workbook."""

import io
from datetime import time
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import Image

from gonghui.accounts.models import User
from gonghui.stations import codes
from gonghui.stations.actions import StationDetails, create_station, set_station_photo
from gonghui.stations.models import Station

NAME = "被测驿站"


def station_of(ctx: Any) -> Station:
    """被测驿站, run by T, with a photo; created once per matrix context."""
    station = getattr(ctx, "_station", None)
    if station is None:
        operator = User.objects.filter(is_superuser=True).earliest("pk")
        station = create_station(
            actor=operator,
            org=ctx.target,
            details=StationDetails(
                name=NAME,
                district="海淀区",
                street="中关村",
                address="中关村大街11号",
                opens=time(7, 0),
                closes=time(21, 0),
                amenities=["water"],
            ),
        )
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "green").save(buffer, format="JPEG")
        upload = SimpleUploadedFile("s.jpg", buffer.getvalue(), content_type="image/jpeg")
        station = set_station_photo(actor=operator, station=station, upload=upload)
        ctx._station = station
        ctx._station_secret = station.checkpoint.code_secret
    return station


def after_station(ctx: Any, path: str) -> str:
    """`path`, once the station exists (a list must have it to show or hide it)."""
    station_of(ctx)
    return path


def station_form(ctx: Any, **values: Any) -> dict[str, Any]:
    return {
        "org": ctx.target.pk,
        "name": "新建驿站",
        "district": "海淀区",
        "street": "中关村",
        "address": "中关村大街27号",
        "weekdays": ["1", "2", "3", "4", "5"],
        "opens": "08:00",
        "closes": "20:00",
        "amenities": ["water"],
        **values,
    }


def station_json(ctx: Any) -> dict[str, Any]:
    return {
        "org_id": ctx.target.pk,
        "name": "接口新建驿站",
        "district": "海淀区",
        "street": "中关村",
        "address": "中关村大街27号",
        "all_day": True,
    }


def poster_code_of(ctx: Any) -> str:
    return codes.poster_code(station_of(ctx))


def created(name: str) -> Any:
    return lambda ctx: Station.objects.filter(name=name).exists()


def deactivated(ctx: Any) -> bool:
    return not Station.objects.get(pk=station_of(ctx).pk).is_active


def code_replaced(ctx: Any) -> bool:
    station = Station.objects.select_related("checkpoint").get(pk=station_of(ctx).pk)
    return bool(station.checkpoint.code_secret != ctx._station_secret)


def xlsx_cells(response: Any) -> str:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )

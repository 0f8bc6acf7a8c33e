"""Importing enterprises from a spreadsheet (the core import pipeline does the rest)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError
from gonghui.core.fields import lookup_value
from gonghui.core.imports import Checked, Column, RowError, RowRefused, cell_int, cell_text
from gonghui.core.models import ImportJob
from gonghui.core.spreadsheets import CellValue
from gonghui.enterprises.actions import clean_enterprise_fields
from gonghui.enterprises.models import STANDARD_INDUSTRY_NAMES, Enterprise, Industry
from gonghui.orgs.models import Org, OrgKind

COLUMNS = [
    Column("name", "企业名称", ("单位名称", "企业全称", "名称")),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一信用代码")),
    Column("industry", "所属行业", ("行业", "行业类别")),
    Column("headcount", "职工人数", ("职工总数", "员工人数", "从业人数")),
    Column("gig_headcount", "新就业形态劳动者人数", ("新就业形态人数",), required=False),
    Column("district", "所在区", ("区", "所在区县", "区县"), required=False),
    Column("street", "所在街道", ("街道", "街道乡镇", "街乡"), required=False),
    Column("address", "地址", ("注册地址", "经营地址", "企业地址"), required=False),
    Column("contact_name", "联系人", ("联系人姓名",), required=False),
    Column("contact_mobile", "联系电话", ("联系人电话", "手机号", "联系手机"), required=False),
    Column("org_name", "所属工会", ("上级工会", "所属组织", "归属工会"), required=False),
]
LABELS = {c.field: c.label for c in COLUMNS}


def _industry_lookup() -> dict[str, str]:
    lookup = {code: code for code in Industry.values}
    lookup |= {name: code for code, name in STANDARD_INDUSTRY_NAMES.items()}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            lookup |= {str(label): code for code, label in Industry.choices}
    return lookup


@dataclass
class Prepared:
    row: int
    org: Org
    fields: dict[str, Any]
    existing: Enterprise | None


class EnterpriseImporter:
    kind = "enterprises"
    capability: Capability = "enterprises.manage"
    columns = COLUMNS

    def prepare(self, job: ImportJob) -> None:
        if job.org.kind in {OrgKind.ENTERPRISE, OrgKind.STATION}:
            raise DomainError(
                "wrong_org_kind",
                _("Enterprises are registered under a federation, street or industry union."),
            )
        self.industries = _industry_lookup()
        subtree = Org.objects.in_subtree(job.org.path).exclude(
            kind__in=[OrgKind.ENTERPRISE, OrgKind.STATION]
        )
        self.orgs_by_name = {org.name: org for org in subtree}

    def check_rows(
        self, job: ImportJob, rows: Iterator[tuple[int, dict[str, CellValue]]], *, absent: set[str]
    ) -> Iterator[Prepared | RowError]:
        first_row_of: dict[str, int] = {}
        for number, record in rows:
            try:
                org, fields = self._row(record, job.org, self.orgs_by_name, self.industries)
            except RowRefused as refused:
                yield RowError(number, refused.column, refused.message)
                continue
            code = fields["credit_code"]
            if code in first_row_of:
                yield RowError(
                    number,
                    LABELS["credit_code"],
                    _("Same credit code as row %(row)d of this file.")
                    % {"row": first_row_of[code]},
                )
                continue
            first_row_of[code] = number
            yield Prepared(number, org, fields, None)

    def notes(self, absent: set[str]) -> list[str]:
        return []

    def check_against_database(self, job: ImportJob, checked: Checked) -> Checked:
        codes = [item.fields["credit_code"] for item in checked.valid]
        existing = {
            e.credit_code: e
            for e in Enterprise.objects.filter(credit_code__in=codes).select_related("org")
        }
        result = Checked(errors=list(checked.errors), notes=checked.notes)
        for item in checked.valid:
            found = existing.get(item.fields["credit_code"])
            if found is not None and not found.org.path.startswith(job.org.path):
                result.errors.append(
                    RowError(
                        item.row,
                        LABELS["credit_code"],
                        _("This enterprise is registered under another organisation."),
                    )
                )
                continue
            item.existing = found
            result.valid.append(item)
        result.errors.sort(key=lambda error: error.row)
        return result

    def _row(
        self,
        record: dict[str, CellValue],
        default_org: Org,
        orgs_by_name: dict[str, Org],
        industries: dict[str, str],
    ) -> tuple[Org, dict[str, Any]]:
        name = cell_text(record.get("name"), LABELS["name"])
        if not name:
            raise RowRefused(LABELS["name"], _("This cell is required."))
        industry_text = cell_text(record.get("industry"), LABELS["industry"])
        industry = industries.get(industry_text) or industries.get(industry_text.upper())
        if industry is None:
            raise RowRefused(
                LABELS["industry"],
                _("Unknown industry “%(value)s”: use a GB/T 4754 section name or letter A–S.")
                % {"value": industry_text},
            )
        fields: dict[str, Any] = {
            "name": name,
            "credit_code": cell_text(record.get("credit_code"), LABELS["credit_code"]),
            "industry": industry,
            "headcount": cell_int(record.get("headcount"), LABELS["headcount"]),
            "gig_headcount": cell_int(
                record.get("gig_headcount"), LABELS["gig_headcount"], required=False
            )
            or 0,
        }
        for optional in ("district", "street", "address", "contact_name", "contact_mobile"):
            fields[optional] = cell_text(record.get(optional), LABELS[optional])
        org = default_org
        org_name = cell_text(record.get("org_name"), LABELS["org_name"])
        if org_name:
            if org_name not in orgs_by_name:
                raise RowRefused(
                    LABELS["org_name"],
                    _("No federation, street or industry union called “%(name)s” in %(org)s.")
                    % {"name": org_name, "org": default_org.name},
                )
            org = orgs_by_name[org_name]
        try:
            cleaned = clean_enterprise_fields(fields)
        except DomainError as error:
            field = next(iter(error.fields), "")
            raise RowRefused(LABELS.get(field, ""), str(error.message)) from None
        return org, cleaned

    def write(self, job: ImportJob, valid: list[Prepared]) -> dict[str, int]:
        new = [Enterprise(org=item.org, **item.fields) for item in valid if item.existing is None]
        changed: list[Enterprise] = []
        unchanged = 0
        for item in valid:
            if item.existing is None:
                continue
            enterprise = item.existing
            differs = enterprise.org_id != item.org.pk or any(
                getattr(enterprise, name) != value for name, value in item.fields.items()
            )
            if not differs:
                unchanged += 1
                continue
            for name, value in item.fields.items():
                setattr(enterprise, name, value)
            enterprise.org = item.org
            enterprise.version += 1
            # bulk_update skips pre_save, so the lookup hash is set here.
            mobile = item.fields["contact_mobile"]
            enterprise.contact_mobile_hash = lookup_value("mobile", mobile) if mobile else None
            changed.append(enterprise)
        Enterprise.objects.bulk_create(new, batch_size=1000)
        if changed:
            Enterprise.objects.bulk_update(
                changed,
                [*ENTERPRISE_UPDATE_FIELDS],
                batch_size=500,
            )
        return {"created": len(new), "updated": len(changed), "unchanged": unchanged}


ENTERPRISE_UPDATE_FIELDS = (
    "org",
    "name",
    "industry",
    "district",
    "street",
    "address",
    "headcount",
    "gig_headcount",
    "contact_name",
    "contact_mobile",
    "contact_mobile_hash",
    "version",
)

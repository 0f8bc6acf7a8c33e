"""Importing enterprises from a spreadsheet (the core import pipeline does the rest)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    title = gettext_lazy("list of enterprises (企业信息表)")
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
        first_row_of: dict[str, int] = {}  # credit code → the first row that has it
        for number, record in rows:
            problems: list[RowError] = []
            org, fields = self._row(number, record, job.org, problems)
            code = fields.get("credit_code")
            if code and not any(p.column == LABELS["credit_code"] for p in problems):
                earlier = first_row_of.setdefault(code, number)
                if earlier != number:
                    problems.append(
                        RowError(
                            number,
                            LABELS["credit_code"],
                            _("Same credit code as row %(row)d of this file.") % {"row": earlier},
                            code="duplicate",
                        )
                    )
            yield from problems
            if not problems:
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
                        code="other_organisation",
                    )
                )
                continue
            item.existing = found
            result.valid.append(item)
        return result

    def _row(
        self, number: int, record: dict[str, CellValue], default_org: Org, problems: list[RowError]
    ) -> tuple[Org, dict[str, Any]]:
        """One row, every problem of it appended to `problems`, each with its column."""

        def cell(name: str, read: Callable[[], Any]) -> Any:
            try:
                return read()
            except RowRefused as refused:
                problems.append(
                    RowError(number, refused.column, refused.message, code=refused.code)
                )
                return None

        def text(name: str) -> str:
            return str(cell(name, lambda: cell_text(record.get(name), LABELS[name])) or "")

        fields: dict[str, Any] = {"name": text("name")}
        if not fields["name"] and not any(p.column == LABELS["name"] for p in problems):
            problems.append(
                RowError(number, LABELS["name"], _("This cell is required."), code="required")
            )
        industry_text = text("industry")
        industry = self.industries.get(industry_text) or self.industries.get(industry_text.upper())
        if industry is None and not any(p.column == LABELS["industry"] for p in problems):
            problems.append(
                RowError(
                    number,
                    LABELS["industry"],
                    _("Unknown industry “%(value)s”: use a GB/T 4754 section name or letter A–S.")
                    % {"value": industry_text},
                    code="unknown_value",
                )
            )
        fields["credit_code"] = text("credit_code")
        fields["headcount"] = cell(
            "headcount", lambda: cell_int(record.get("headcount"), LABELS["headcount"])
        )
        fields["gig_headcount"] = cell(
            "gig_headcount",
            lambda: cell_int(record.get("gig_headcount"), LABELS["gig_headcount"], required=False),
        )
        for optional in ("district", "street", "address", "contact_name", "contact_mobile"):
            fields[optional] = text(optional)
        org = default_org
        org_name = text("org_name")
        if org_name:
            if org_name in self.orgs_by_name:
                org = self.orgs_by_name[org_name]
            else:
                problems.append(
                    RowError(
                        number,
                        LABELS["org_name"],
                        _("No federation, street or industry union called “%(name)s” in %(org)s.")
                        % {"name": org_name, "org": default_org.name},
                        code="unknown_value",
                    )
                )
        # Each group of fields checked on its own, so that every problem is listed.
        cleaned: dict[str, Any] = {"industry": industry}
        groups = [
            ("credit_code",),
            ("contact_mobile",),
            ("name",),
            ("district",),
            ("street",),
            ("contact_name",),
            ("address",),
            ("headcount", "gig_headcount"),
        ]
        for group in groups:
            part = {name: fields[name] for name in group if fields[name] is not None}
            if "gig_headcount" in group and "headcount" in part:
                part.setdefault("gig_headcount", 0)
            try:
                cleaned |= clean_enterprise_fields(part)
            except DomainError as error:
                field = next(iter(error.fields), group[0])
                code = {"invalid_credit_code": "invalid"}.get(error.code, "invalid")
                problems.append(
                    RowError(number, LABELS.get(field, ""), str(error.message), code=code)
                )
        cleaned["gig_headcount"] = cleaned.get("gig_headcount") or 0
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

"""Importing members from a roster (会员信息采集表); the core import pipeline does the rest.

Every row goes through `clean_person`, the same check as the joining form. What Excel does to
long numbers is refused, never repaired: an ID number stored as a number (1.10108E+17) or
ending in 000 where the check character should be has lost digits, and only the person who
has the paper form can type them again.

Required columns: 姓名, 身份证号, 手机号. The other columns are optional; when a column is
absent from the file altogether, the field stays empty — unknown, never a guessed default (the
dry run says which). When the column is present, each of its cells must be filled in and
valid — except 性别 and 岗位类型.

Every problem of a row is listed, each with its column. Some are warnings and the row imports:
the gender is the ID number's (the legal identity) when the 性别 cell disagrees; a 岗位类型
the importer does not know is recorded as "other" with the text kept (`job_type_text`).
Duplicates go by person: every row whose ID number an earlier row of the file has is refused
as a repeat of the first such row, whatever became of that row.
"""

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core.capabilities import Capability
from gonghui.core.errors import DomainError, NotFoundError
from gonghui.core.fields import lookup_value
from gonghui.core.imports import Checked, Column, RowError, RowRefused, cell_text, warning
from gonghui.core.models import ImportJob
from gonghui.core.personal import birth_date_of
from gonghui.core.scoping import permits
from gonghui.core.spreadsheets import CellValue, Formula
from gonghui.members.actions import MIN_AGE, check_person, record_roster_members
from gonghui.members.choices import ETHNICITIES, Education, Gender, JobType, PoliticalStatus
from gonghui.members.exports import CHINESE_NAMES
from gonghui.members.models import Member
from gonghui.members.queries import among
from gonghui.orgs.models import OrgKind

COLUMNS = [
    Column("name", "姓名", ("会员姓名", "职工姓名")),
    Column("gender", "性别", required=False),
    Column("ethnicity", "民族", required=False),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "证件号码", "公民身份证号码", "身份证", "居民身份证号码"),
    ),
    Column("mobile", "手机号", ("手机号码", "联系电话", "联系方式", "手机", "移动电话")),
    Column(
        "employer_name",
        "工作单位",
        ("单位", "就业平台", "工作单位或就业平台", "工作单位（就业平台）", "单位名称"),
        required=False,
    ),
    Column("job_type", "岗位类型", ("职业", "岗位", "工作类型", "职业类型"), required=False),
    Column("education", "学历", ("文化程度",), required=False),
    Column("political_status", "政治面貌", required=False),
    Column("joined_on", "入会时间", ("入会日期",), required=False),
]
LABELS = {c.field: c.label for c in COLUMNS}
REQUIRED = frozenset(c.field for c in COLUMNS if c.required)
LOOKUP_BATCH = 2_000

# What a roster says → the stored value. Values and labels of the choices (in Chinese and
# English) are added at run time, so "rider" or "Food-delivery rider" work too.
JOB_TYPE_WORDS = {
    "快递员": JobType.COURIER,
    "快递小哥": JobType.COURIER,
    "快递": JobType.COURIER,
    "外卖骑手": JobType.RIDER,
    "骑手": JobType.RIDER,
    "外卖员": JobType.RIDER,
    "外卖配送员": JobType.RIDER,
    "配送员": JobType.RIDER,
    "网约车司机": JobType.RIDE_HAILING,
    "网约车驾驶员": JobType.RIDE_HAILING,
    "货车司机": JobType.TRUCK,
    "货车驾驶员": JobType.TRUCK,
    "家政服务员": JobType.DOMESTIC,
    "家政": JobType.DOMESTIC,
    "网络主播": JobType.CONTENT,
    "主播": JobType.CONTENT,
    "网络内容从业者": JobType.CONTENT,
    "企业职工": JobType.EMPLOYEE,
    "职工": JobType.EMPLOYEE,
    "员工": JobType.EMPLOYEE,
    "其他": JobType.OTHER,
}
EDUCATION_WORDS = {
    "研究生": Education.GRADUATE,
    "博士": Education.GRADUATE,
    "博士研究生": Education.GRADUATE,
    "硕士": Education.GRADUATE,
    "硕士研究生": Education.GRADUATE,
    "本科": Education.BACHELOR,
    "大学本科": Education.BACHELOR,
    "大学": Education.BACHELOR,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "大学专科": Education.COLLEGE,
    "高职": Education.COLLEGE,
    "中专": Education.VOCATIONAL,
    "中技": Education.VOCATIONAL,
    "技校": Education.VOCATIONAL,
    "职高": Education.VOCATIONAL,
    "中职": Education.VOCATIONAL,
    "高中": Education.HIGH_SCHOOL,
    "初中": Education.MIDDLE_SCHOOL,
    "初中及以下": Education.MIDDLE_SCHOOL,
    "小学": Education.MIDDLE_SCHOOL,
    "小学及以下": Education.MIDDLE_SCHOOL,
}
POLITICAL_WORDS = {
    "中共党员": PoliticalStatus.CPC_MEMBER,
    "中国共产党党员": PoliticalStatus.CPC_MEMBER,
    "党员": PoliticalStatus.CPC_MEMBER,
    "中共预备党员": PoliticalStatus.CPC_PROBATIONARY,
    "预备党员": PoliticalStatus.CPC_PROBATIONARY,
    "共青团员": PoliticalStatus.LEAGUE,
    "团员": PoliticalStatus.LEAGUE,
    "民主党派": PoliticalStatus.DEMOCRATIC_PARTY,
    "民主党派成员": PoliticalStatus.DEMOCRATIC_PARTY,
    "无党派人士": PoliticalStatus.NON_PARTISAN,
    "无党派": PoliticalStatus.NON_PARTISAN,
    "群众": PoliticalStatus.MASSES,
}
# Members of the eight democratic parties are often written by party.
DEMOCRATIC_PARTIES = ("民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟")
GENDER_WORDS = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}

# A column the file does not have at all: the field stays empty (unknown).
UNKNOWN_WHEN_ABSENT = frozenset({"ethnicity", "education", "political_status", "job_type"})
# What a check's code becomes as the reason a row is refused.
REASONS = {"invalid_choice": "unknown_value", "date_in_future": "invalid_date"}

SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+?\d+$")
EXCEL_MANGLED = re.compile(r"^\d{15}000$")
DATE_TEXT = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*(?:[-/.月]\s*(?:(?P<d>\d{1,2})\s*日?)?)?$"
)
COMPACT_DATE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")


def _excel_number_error(row: int) -> RowError:
    return RowError(row, LABELS["id_number"], _excel_number_message(), code="excel_number")


def _excel_number_message() -> str:
    return _(
        "Excel has turned this ID number into a number and lost its last digits. Format the "
        "ID number column as text, type the number again from the ID card and upload the "
        "file again; numbers are never repaired automatically."
    )


def _choice_lookup(field: str, words: Mapping[str, str], choices: Any) -> dict[str, str]:
    """Stored values, the labels in both languages, the export's words and roster words."""
    lookup: dict[str, str] = {str(value): str(value) for value in choices.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            lookup |= {str(label).lower(): str(value) for value, label in choices.choices}
    lookup |= {name: value for value, name in CHINESE_NAMES[field].items()}
    lookup |= {word: str(value) for word, value in words.items()}
    return lookup


def _ethnicity_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, name in ETHNICITIES:
        lookup[code] = code
        lookup[name] = code
        lookup[name.removesuffix("族")] = code  # 汉, 蒙古, 维吾尔 …
    return lookup


def _text(value: CellValue, column: str) -> str:
    """A cell as text, normalised: full-width characters folded, spaces trimmed; refused when
    a spreadsheet would run it as a formula or it holds control characters."""
    if type(value) is str and value.isascii() and value.isalnum():
        return value  # letters and digits only (ID and mobile numbers): nothing to check
    text = cell_text(value, column)
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).strip()


def _id_number_text(value: CellValue) -> str:
    label = LABELS["id_number"]
    if isinstance(value, Formula):
        cell_text(value, label)  # raises the formula message
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise RowRefused(label, _excel_number_message(), "excel_number")
    text = _text(value, label).lstrip("'")
    if SCIENTIFIC.match(text.upper()):
        raise RowRefused(label, _excel_number_message(), "excel_number")
    return text


def _mobile_text(value: CellValue) -> str:
    # A mobile number fits in Excel's 15 significant digits, so a number cell is exact.
    return _text(value, LABELS["mobile"]).lstrip("'")


def _parse_date(value: CellValue, column: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and re.fullmatch(r"\d{4}\.1", repr(value)):
        # 2023.10 typed into a number cell arrives as 2023.1: October or January?
        raise RowRefused(
            column,
            _("Excel turned this date into the number %(value)s; enter it as 2023-10-01.")
            % {"value": repr(value)},
            "invalid_date",
        )
    text = _text(value, column)
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    match = DATE_TEXT.match(text) or COMPACT_DATE.match(text)
    if match is None:
        raise RowRefused(
            column, _("Enter a date such as 2023-05-01, 2023/5/1 or 2023年5月1日."), "invalid_date"
        )
    day = match.group("d")
    try:
        return date(int(match.group("y")), int(match.group("m")), int(day) if day else 1)
    except ValueError:
        raise RowRefused(column, _("This date does not exist."), "invalid_date") from None


MEMO_SIZE = 10_000


def _once_a_value[T](parse: Callable[[CellValue], T]) -> Callable[[CellValue], T]:
    """`parse` remembered for each distinct text (up to MEMO_SIZE of them), refusals too."""
    seen: dict[str, T | RowRefused] = {}

    def parse_once(value: CellValue) -> T:
        if type(value) is not str:
            return parse(value)
        try:
            found = seen[value]
        except KeyError:
            try:
                found = parse(value)
            except RowRefused as refused:
                found = refused
            if len(seen) < MEMO_SIZE:
                seen[value] = found
        if isinstance(found, RowRefused):
            raise RowRefused(found.column, found.message, found.code)
        return found

    return parse_once


@dataclass(slots=True)
class Prepared:
    row: int
    person: dict[str, Any]  # cleaned PERSON_FIELDS and joined_on
    id_hash: str


class MemberImporter:
    kind = "members"
    title = gettext_lazy("member roster (会员信息采集表)")
    capability: Capability = "members.manage"
    columns = COLUMNS

    def prepare(self, job: ImportJob) -> None:
        if job.org.kind == OrgKind.STATION:
            raise DomainError(
                "wrong_org_kind", _("Members belong to a union, not to a station; choose a union.")
            )
        self.today = timezone.localdate()
        self.job_types = _choice_lookup("job_type", JOB_TYPE_WORDS, JobType)
        self.educations = _choice_lookup("education", EDUCATION_WORDS, Education)
        self.politics = _choice_lookup("political_status", POLITICAL_WORDS, PoliticalStatus)
        self.ethnicities = _ethnicity_lookup()
        self.has_employer_union = job.org.kind == OrgKind.ENTERPRISE
        # The columns with few distinct values (汉族, 高中, 群众, the employers…) are read once
        # a value: the same text always gives the same answer.
        self.parsers: dict[str, Callable[[CellValue], str]] = {
            "name": lambda v: _text(v, LABELS["name"]),
            "id_number": _id_number_text,
            "mobile": _mobile_text,
            "employer_name": _once_a_value(lambda v: _text(v, LABELS["employer_name"])[:120]),
            "ethnicity": _once_a_value(lambda v: self._choice(v, "ethnicity", self.ethnicities)),
            "education": _once_a_value(lambda v: self._choice(v, "education", self.educations)),
            "political_status": _once_a_value(self._political_status),
        }
        self.gender_of = _once_a_value(self._gender)
        self.job_type_of = _once_a_value(self._job_type)

    def check_rows(
        self, job: ImportJob, rows: Iterator[tuple[int, dict[str, CellValue]]], *, absent: set[str]
    ) -> Iterator[Prepared | RowError]:
        first_row_of: dict[str, int] = {}  # ID-number hash → the first row that has it
        for number, record in rows:
            problems, item, id_hash = self._row(number, record, absent)
            if id_hash is not None:
                earlier = first_row_of.setdefault(id_hash, number)
                if earlier != number:
                    problems.append(
                        RowError(
                            number,
                            LABELS["id_number"],
                            _(
                                "Same ID number as row %(row)d of this file: a person is "
                                "imported once. Keep one of the two rows; if they are two "
                                "people, one of the ID numbers is wrong."
                            )
                            % {"row": earlier},
                            code="duplicate",
                        )
                    )
                    item = None
            yield from problems
            if item is not None:
                yield item

    def check_against_database(self, job: ImportJob, checked: Checked) -> Checked:
        existing = self._existing_members(job, [item.id_hash for item in checked.valid])
        result = Checked(errors=list(checked.errors), notes=checked.notes)
        for item in checked.valid:
            found = existing.get(item.id_hash)
            if found is None:
                result.valid.append(item)
                continue
            number, name, may_view = found
            if not may_view:
                message = _("Already a member of another union.")
            elif name == item.person["name"]:
                message = _("Already a member, number %(number)s.") % {"number": number}
            else:
                message = _(
                    "This ID number is already member %(number)s's, recorded under another "
                    "name: check the ID number."
                ) % {"number": number}
            result.errors.append(
                RowError(item.row, LABELS["id_number"], message, code="already_member")
            )
        return result

    def notes(self, absent: set[str]) -> list[str]:
        """Which columns are missing and what that means for every row."""
        notes = []
        if "gender" in absent:
            notes.append(_("No 性别 column: each gender is read from the ID number."))
        if "ethnicity" in absent:
            notes.append(_("No 民族 column: ethnicity stays empty (unknown) for everyone."))
        if "education" in absent:
            notes.append(_("No 学历 column: education stays empty (unknown) for everyone."))
        if "political_status" in absent:
            notes.append(
                _("No 政治面貌 column: political status stays empty (unknown) for everyone.")
            )
        if "job_type" in absent:
            notes.append(_("No 岗位类型 column: the job type stays empty (unknown) for everyone."))
        if "employer_name" in absent:
            notes.append(_("No 工作单位 column: the employer stays empty for everyone."))
        if "joined_on" in absent:
            notes.append(
                _("No 入会时间 column: everyone joins on the day of the import (%(date)s).")
                % {"date": self.today.isoformat()}
            )
        return notes

    def _row(
        self, number: int, record: dict[str, CellValue], absent: set[str]
    ) -> tuple[list[RowError], Prepared | None, str | None]:
        """One row, checked column by column: every problem it has (errors and warnings),
        the person when none is an error, and the ID number's hash when it is valid (for
        duplicates, whatever else is wrong)."""
        problems: list[RowError] = []
        fields: dict[str, Any] = {"has_employer_union": self.has_employer_union}
        unknown = frozenset(absent & UNKNOWN_WHEN_ABSENT)
        for name in unknown:
            fields[name] = ""
        fields.setdefault("employer_name", "")
        failed: set[str] = set()
        gender: str | None = None
        joined_on: date | None = self.today if "joined_on" in absent else None
        job_type_text = ""
        parsers = self.parsers
        for name, value in record.items():
            try:
                if name == "gender":
                    gender = self.gender_of(value)
                elif name == "joined_on":
                    joined_on = _parse_date(value, LABELS["joined_on"])
                    if joined_on is None:
                        raise RowRefused(
                            LABELS["joined_on"], _("This cell is required."), "required"
                        )
                elif name == "job_type":
                    fields["job_type"], job_type_text = self.job_type_of(value)
                else:
                    fields[name] = parsers[name](value)
                    if not fields[name] and name in REQUIRED:
                        raise RowRefused(LABELS[name], _("This cell is required."), "required")
            except RowRefused as refused:
                failed.add(name)
                problems.append(
                    RowError(number, refused.column, refused.message, code=refused.code)
                )
        if fields.get("job_type") == "":
            unknown |= {"job_type"}
        if job_type_text:
            fields["job_type_text"] = job_type_text[:60]
            problems.append(
                warning(
                    number,
                    LABELS["job_type"],
                    _(
                        "“%(value)s” is none of the job types: recorded as other, and the text "
                        "is kept on the member."
                    )
                    % {"value": job_type_text[:40]},
                    "job_type_other",
                )
            )
        fields["gender"] = gender or Gender.MALE  # replaced below by the ID number's
        cleaned, person_problems = check_person(fields, today=self.today, unknown=unknown)
        for error in person_problems:
            field = next(iter(error.fields), "")
            if field in failed:
                continue  # its cell was refused already, with a more precise message
            if error.code == "invalid_id_number" and EXCEL_MANGLED.match(
                str(fields.get("id_number", ""))
            ):
                problems.append(_excel_number_error(number))
                continue
            code = REASONS.get(error.code, error.code)
            problems.append(RowError(number, LABELS.get(field, ""), str(error.message), code=code))
        # A well-formed ID number (a too-young person's is one): it identifies the person.
        id_ok = "id_number" not in failed and not any(
            p.column == LABELS["id_number"] and p.code != "too_young" for p in problems
        )
        too_young = any(p.code == "too_young" for p in problems)
        id_hash: str | None = None
        if id_ok:
            id_number = cleaned["id_number"]
            id_hash = lookup_value("id_number", id_number)
            from_id = Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE
            if gender is not None and gender != from_id:
                problems.append(
                    warning(
                        number,
                        LABELS["gender"],
                        _(
                            "性别 says %(cell)s, but the ID number is a %(gender)s's: recorded "
                            "as %(gender)s, since the ID number decides. If the ID number is "
                            "the mistake, correct it and upload again."
                        )
                        % {
                            "cell": _("man") if gender == Gender.MALE else _("woman"),
                            "gender": _("man") if from_id == Gender.MALE else _("woman"),
                        },
                        "gender_from_id",
                    )
                )
            cleaned["gender"] = from_id
        if joined_on is not None:
            if joined_on > self.today:
                problems.append(
                    RowError(
                        number,
                        LABELS["joined_on"],
                        _("This date is in the future."),
                        code="invalid_date",
                    )
                )
            elif (
                id_ok
                and not too_young
                and joined_on < _birthday(birth_date_of(cleaned["id_number"]), MIN_AGE)
            ):
                problems.append(
                    RowError(
                        number,
                        LABELS["joined_on"],
                        _("This date is before the person turned %(age)d.") % {"age": MIN_AGE},
                        code="invalid_date",
                    )
                )
        if any(p.refuses for p in problems) or id_hash is None:
            return problems, None, id_hash
        cleaned["joined_on"] = joined_on
        cleaned["id_number_hash"] = id_hash
        return problems, Prepared(number, cleaned, id_hash), id_hash

    def _gender(self, value: CellValue) -> str | None:
        text = _text(value, LABELS["gender"])
        if not text:
            return None
        found = GENDER_WORDS.get(text) or {"M": Gender.MALE, "F": Gender.FEMALE}.get(text.upper())
        if found is None:
            raise RowRefused(LABELS["gender"], _("Enter 男 or 女."), "unknown_value")
        return found

    def _job_type(self, value: CellValue) -> tuple[str, str]:
        """The job type, and the text when it is none of them (recorded as other); an empty
        cell is unknown."""
        text = _text(value, LABELS["job_type"])
        if not text:
            return "", ""
        found = self.job_types.get(text) or self.job_types.get(text.lower())
        if found is None:
            return JobType.OTHER, text
        return found, ""

    def _political_status(self, value: CellValue) -> str:
        text = _text(value, LABELS["political_status"])
        if text.startswith(DEMOCRATIC_PARTIES):
            return PoliticalStatus.DEMOCRATIC_PARTY
        return self._choice(value, "political_status", self.politics)

    def _choice(self, value: CellValue, field: str, lookup: dict[str, str]) -> str:
        label = LABELS[field]
        text = _text(value, label)
        if not text:
            raise RowRefused(label, _("This cell is required."), "required")
        found = lookup.get(text) or lookup.get(text.lower())
        if found is None:
            options = "、".join(sorted({k for k in lookup if not k.isascii()}, key=len)[:12])
            raise RowRefused(
                label,
                _("Unknown value “%(value)s”; use one of: %(options)s.")
                % {"value": text[:40], "options": options},
                "unknown_value",
            )
        return found

    def _existing_members(
        self, job: ImportJob, hashes: list[str]
    ) -> dict[str, tuple[str, str, bool]]:
        """For each ID number that is already a member's: the member's number and name, and
        whether the uploader may see that member (else neither is named)."""
        found: dict[str, tuple[str, str, bool]] = {}
        for start in range(0, len(hashes), LOOKUP_BATCH):
            members = Member.objects.filter(
                id_number_hash__in=among(hashes[start : start + LOOKUP_BATCH])
            ).values_list("id_number_hash", "number", "name", "org__path")
            for id_hash, member_number, name, path in members:
                if id_hash is None:  # filtered by hash, so never; the column is nullable
                    continue
                may_view = job.created_by is not None and permits(
                    job.created_by, "members.view", path
                )
                found[id_hash] = (member_number, name, may_view)
        return found

    def write(self, job: ImportJob, valid: list[Prepared]) -> dict[str, int]:
        if job.created_by is None:  # the uploader's account is gone: nobody may write it
            raise NotFoundError("not_found", _("Not found."))
        try:
            created = record_roster_members(
                actor=job.created_by, org=job.org, people=[item.person for item in valid]
            )
        except IntegrityError:
            raise DomainError(
                "roster_conflict",
                _(
                    "Some people in this file became members while it was being imported; "
                    "nothing was imported. Upload the file again to check it afresh."
                ),
            ) from None
        return {"created": created}


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February
        return born.replace(year=born.year + age, day=28) + timedelta(days=1)

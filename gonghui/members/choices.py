"""The fixed lists of the membership form (会员信息采集表)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# GB/T 3304: the 56 ethnic groups, by code. Their names are proper nouns and shown as written
# in Chinese in every language, as on an ID card.
ETHNICITIES = [
    ("01", "汉族"), ("02", "蒙古族"), ("03", "回族"), ("04", "藏族"), ("05", "维吾尔族"),
    ("06", "苗族"), ("07", "彝族"), ("08", "壮族"), ("09", "布依族"), ("10", "朝鲜族"),
    ("11", "满族"), ("12", "侗族"), ("13", "瑶族"), ("14", "白族"), ("15", "土家族"),
    ("16", "哈尼族"), ("17", "哈萨克族"), ("18", "傣族"), ("19", "黎族"), ("20", "傈僳族"),
    ("21", "佤族"), ("22", "畲族"), ("23", "高山族"), ("24", "拉祜族"), ("25", "水族"),
    ("26", "东乡族"), ("27", "纳西族"), ("28", "景颇族"), ("29", "柯尔克孜族"), ("30", "土族"),
    ("31", "达斡尔族"), ("32", "仫佬族"), ("33", "羌族"), ("34", "布朗族"), ("35", "撒拉族"),
    ("36", "毛南族"), ("37", "仡佬族"), ("38", "锡伯族"), ("39", "阿昌族"), ("40", "普米族"),
    ("41", "塔吉克族"), ("42", "怒族"), ("43", "乌孜别克族"), ("44", "俄罗斯族"),
    ("45", "鄂温克族"), ("46", "德昂族"), ("47", "保安族"), ("48", "裕固族"), ("49", "京族"),
    ("50", "塔塔尔族"), ("51", "独龙族"), ("52", "鄂伦春族"), ("53", "赫哲族"),
    ("54", "门巴族"), ("55", "珞巴族"), ("56", "基诺族"),
]  # fmt: skip
ETHNICITY_NAMES = dict(ETHNICITIES)


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class JobType(models.TextChoices):
    COURIER = "courier", _("Courier")
    RIDER = "rider", _("Food-delivery rider")
    RIDE_HAILING = "ride_hailing", _("Ride-hailing driver")
    TRUCK = "truck", _("Truck driver")
    DOMESTIC = "domestic", _("Domestic worker")
    CONTENT = "content", _("Online content worker")
    EMPLOYEE = "employee", _("Enterprise employee")
    OTHER = "other", _("Other")


# The new employment forms (新就业形态) among the job types, for the share on the dashboards.
GIG_JOB_TYPES = frozenset(
    {
        JobType.COURIER,
        JobType.RIDER,
        JobType.RIDE_HAILING,
        JobType.TRUCK,
        JobType.DOMESTIC,
        JobType.CONTENT,
    }
)


class Education(models.TextChoices):
    GRADUATE = "graduate", _("Postgraduate")
    BACHELOR = "bachelor", _("Bachelor's degree")
    COLLEGE = "college", _("Junior college")
    VOCATIONAL = "vocational", _("Secondary vocational school")
    HIGH_SCHOOL = "high_school", _("High school")
    MIDDLE_SCHOOL = "middle_school", _("Junior middle school or below")


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc", _("Member of the Communist Party of China")
    CPC_PROBATIONARY = "cpc_probationary", _("Probationary Party member")
    LEAGUE = "league", _("Communist Youth League member")
    DEMOCRATIC_PARTY = "democratic", _("Member of a democratic party")
    NON_PARTISAN = "non_partisan", _("Non-partisan")
    MASSES = "masses", _("Ordinary citizen")

"""What the innovation feature puts into the review mechanism: its kinds of call and the five
categories of 五小."""

from django.utils.translation import gettext_lazy as _

WUXIAO = "wuxiao"
PAPER = "paper"
CRAFTSMAN = "craftsman"
KINDS = [WUXIAO, PAPER, CRAFTSMAN]

KIND_CHOICES = [
    (WUXIAO, _("五小 innovations")),
    (PAPER, _("Call for papers")),
    (CRAFTSMAN, _("创新工匠 nominations")),
]

# 五小: 小发明、小创造、小革新、小设计、小建议 (stored as these values, labelled in Chinese).
WUXIAO_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("invention", "小发明"),
    ("creation", "小创造"),
    ("improvement", "小革新"),
    ("design", "小设计"),
    ("suggestion", "小建议"),
)


def kind_label(kind: str) -> str:
    return str(dict(KIND_CHOICES).get(kind, kind))

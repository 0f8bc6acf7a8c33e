from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gonghui.core.fields import EncryptedTextField, LookupHashField
from gonghui.core.scoping import ScopedQuerySet


class Industry(models.TextChoices):
    """The industry sections of GB/T 4754, as union statistics report them."""

    AGRICULTURE = "A", _("Agriculture, forestry and fishing")
    MINING = "B", _("Mining")
    MANUFACTURING = "C", _("Manufacturing")
    UTILITIES = "D", _("Electricity, heat, gas and water")
    CONSTRUCTION = "E", _("Construction")
    TRADE = "F", _("Wholesale and retail")
    LOGISTICS = "G", _("Transport, storage and postal services")
    HOSPITALITY = "H", _("Accommodation and catering")
    IT = "I", _("Information technology and software")
    FINANCE = "J", _("Finance")
    REAL_ESTATE = "K", _("Real estate")
    BUSINESS_SERVICES = "L", _("Leasing and business services")
    RESEARCH = "M", _("Research and technical services")
    ENVIRONMENT = "N", _("Water, environment and public facilities")
    RESIDENT_SERVICES = "O", _("Resident and other services")
    EDUCATION = "P", pgettext_lazy("industry", "Education")
    HEALTH = "Q", _("Health and social work")
    CULTURE = "R", _("Culture, sports and entertainment")
    PUBLIC = "S", _("Public administration and social organisations")


# The section names as GB/T 4754-2017 writes them, which rosters from other systems use.
STANDARD_INDUSTRY_NAMES = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
}


class EnterpriseQuerySet(ScopedQuerySet["Enterprise"]):
    org_path_lookup = "org__path"


class Enterprise(models.Model):
    """An employer in a union's area: the unit a union is founded in (建会)."""

    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    name = models.CharField(_("enterprise name"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices)
    district = models.CharField(_("district"), max_length=40, blank=True)
    street = models.CharField(_("street"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    headcount = models.PositiveIntegerField(_("employees"))
    gig_headcount = models.PositiveIntegerField(_("new-employment-form workers"), default=0)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_mobile = EncryptedTextField(
        _("contact mobile number"), kind="mobile", blank=True, default=""
    )
    contact_mobile_hash = LookupHashField(source="contact_mobile", kind="mobile", null=True)
    union = models.OneToOneField(
        "orgs.Org",
        verbose_name=_("enterprise union"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="union_of",
    )
    union_established_on = models.DateField(_("union established on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gig_headcount__lte=models.F("headcount")),
                name="enterprise_gig_within_headcount",
            ),
            models.CheckConstraint(
                condition=models.Q(union__isnull=True, union_established_on__isnull=True)
                | models.Q(union__isnull=False, union_established_on__isnull=False),
                name="enterprise_union_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "union_established_on"]),
            models.Index(fields=["industry"]),
            models.Index(fields=["street"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_union(self) -> bool:
        return self.union_id is not None


class Stage(models.IntegerChoices):
    """The founding pipeline, in order. A case moves one stage at a time."""

    PREPARING = 1, _("Preparatory group set up")
    RECRUITING = 2, _("Recruiting members")
    CONGRESS = 3, _("Founding congress held")
    ESTABLISHED = 4, _("Approved and established")


class FoundingCaseQuerySet(ScopedQuerySet["FoundingCase"]):
    org_path_lookup = "enterprise__org__path"


class FoundingCase(models.Model):
    """The founding of a union in one enterprise, from the preparatory group to approval."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.PROTECT, related_name="founding_case"
    )
    stage = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices)
    stage_since = models.DateField(_("in this stage since"))
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FoundingCaseQuerySet.as_manager()

    class Meta:
        ordering = ["stage", "stage_since"]
        verbose_name = _("founding case")
        verbose_name_plural = _("founding cases")
        indexes = [models.Index(fields=["stage", "stage_since"])]

    def __str__(self) -> str:
        return f"{self.enterprise.name} · {self.get_stage_display()}"

    @property
    def days_in_stage(self) -> int:
        """Days waiting in the current stage; an established case waits no longer."""
        end = self.closed_on or timezone.localdate()
        return (end - self.stage_since).days

    @property
    def is_established(self) -> bool:
        return self.stage == Stage.ESTABLISHED


class FoundingStep(models.Model):
    """One move of a case: forward to the next stage, or back with a reason."""

    case = models.ForeignKey(FoundingCase, on_delete=models.CASCADE, related_name="steps")
    from_stage = models.PositiveSmallIntegerField(choices=Stage.choices, null=True, blank=True)
    to_stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    happened_on = models.DateField(_("date"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    reason = models.TextField(_("reason for stepping back"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"

    @property
    def is_step_back(self) -> bool:
        return self.from_stage is not None and self.to_stage < self.from_stage


def document_path(instance: "FoundingDocument", filename: str) -> str:
    # The stored name is ours, never the uploader's: no path tricks, no personal data in names.
    return f"founding/{instance.step.case_id}/{timezone.now():%Y%m%d%H%M%S}-{instance.kind_ext}"


class FoundingDocumentQuerySet(ScopedQuerySet["FoundingDocument"]):
    org_path_lookup = "step__case__enterprise__org__path"


class FoundingDocument(models.Model):
    """A PDF or image attached to a stage (minutes, approval letter, member list …).

    Stored under MEDIA_ROOT, which the web server does not serve: a view streams it to staff
    who may see the case.
    """

    step = models.ForeignKey(FoundingStep, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = FoundingDocumentQuerySet.as_manager()

    # Set by the action before saving, to name the stored file.
    kind_ext = "bin"

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

"""Innovation pages: staff back office, members and jurors on the phone, the public showcase
and tally logs."""

from django.urls import path

from gonghui.innovation import staff_views as staff
from gonghui.innovation import views

app_name = "innovation"
CALL = "staff/innovation/calls/<int:call_id>/"
POLL = "staff/innovation/polls/<int:poll_id>/"

urlpatterns = [
    path("staff/innovation/", staff.call_list, name="staff_calls"),
    path("staff/innovation/calls/new/", staff.call_create, name="staff_call_create"),
    path(CALL, staff.call_detail, name="staff_call"),
    path(f"{CALL}rubric/", staff.rubric_edit, name="staff_rubric"),
    path(f"{CALL}start-review/", staff.review_start, name="staff_review_start"),
    path(f"{CALL}entries/<int:entry_id>/assign/", staff.assign, name="staff_assign"),
    path(f"{CALL}assign-balanced/", staff.assign_balanced, name="staff_assign_balanced"),
    path(f"{CALL}conflicts/", staff.conflict_declare, name="staff_conflict"),
    path(f"{CALL}nominate/", staff.nominate, name="staff_nominate"),
    path(f"{CALL}ranking/", staff.ranking, name="staff_ranking"),
    path(f"{CALL}scores.xlsx", staff.scores_xlsx, name="staff_scores_xlsx"),
    path(f"{CALL}polls/new/", staff.poll_create, name="staff_poll_create"),
    path("staff/innovation/entries/<int:entry_id>/", staff.entry_detail, name="staff_entry"),
    path(
        "staff/innovation/entries/<int:entry_id>/files/<int:attachment_id>/",
        staff.attachment,
        name="staff_file",
    ),
    path(POLL, staff.poll_detail, name="staff_poll"),
    path(f"{POLL}quarantine/", staff.quarantine, name="staff_quarantine"),
    path(f"{POLL}<str:step>/", staff.poll_step, name="staff_poll_step"),
    path("innovation/", views.home, name="home"),
    path("innovation/calls/<int:call_id>/enter/", views.entry_new, name="entry_new"),
    path("innovation/entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path(
        "innovation/entries/<int:entry_id>/withdraw/", views.entry_withdraw, name="entry_withdraw"
    ),
    path(
        "innovation/entries/<int:entry_id>/files/<int:attachment_id>/",
        views.entry_file,
        name="entry_file",
    ),
    path("innovation/jury/<int:assignment_id>/", views.jury_score, name="jury_score"),
    path(
        "innovation/jury/<int:assignment_id>/files/<int:attachment_id>/",
        views.jury_file,
        name="jury_file",
    ),
    path("innovation/polls/<int:poll_id>/", views.poll_page, name="poll"),
    path("innovation/polls/<int:poll_id>/vote/", views.vote, name="vote"),
    path("innovation/polls/<int:poll_id>/log/", views.poll_log, name="poll_log"),
    path("innovation/polls/<int:poll_id>/log.csv", views.poll_log_csv, name="poll_log_csv"),
    path("showcase/", views.showcase, name="showcase"),
    path("showcase/<int:entry_id>/", views.showcase_entry, name="showcase_entry"),
    path(
        "showcase/<int:entry_id>/photos/<int:attachment_id>.jpg",
        views.showcase_photo,
        name="showcase_photo",
    ),
]

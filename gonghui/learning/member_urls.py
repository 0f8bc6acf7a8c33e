from django.urls import URLPattern, path

from gonghui.learning import views

urlpatterns: list[URLPattern] = [
    path("learn/", views.course_list, name="courses"),
    path("learn/c/<int:course_id>/", views.course_detail, name="course"),
    path("learn/l/<int:lesson_id>/", views.lesson_detail, name="lesson"),
    path("learn/l/<int:lesson_id>/media/", views.lesson_media, name="media"),
    path("learn/l/<int:lesson_id>/read/", views.read_article, name="read"),
    path("learn/progress/", views.progress, name="progress"),
    path("learn/campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("learn/campaigns/<int:campaign_id>/quiz/", views.quiz_start, name="quiz_start"),
    path("learn/quiz/<int:attempt_id>/", views.quiz, name="quiz"),
    path("me/learning/", views.my_learning, name="mine"),
    path(
        "me/learning/courses/<int:course_id>/certificate.pdf",
        views.course_certificate,
        name="course_certificate",
    ),
    path(
        "me/learning/campaigns/<int:campaign_id>/certificate.pdf",
        views.campaign_certificate,
        name="campaign_certificate",
    ),
    path("learn/verify/<str:code>/", views.verify, name="verify"),
]

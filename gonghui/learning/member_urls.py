from django.urls import URLPattern, path

from gonghui.learning import views

urlpatterns: list[URLPattern] = [
    path("learn/", views.course_list, name="courses"),
    path("learn/c/<int:course_id>/", views.course_detail, name="course"),
    path("learn/l/<int:lesson_id>/", views.lesson_detail, name="lesson"),
    path("learn/l/<int:lesson_id>/media/", views.lesson_media, name="media"),
    path("learn/l/<int:lesson_id>/read/", views.read_article, name="read"),
    path("learn/progress/", views.progress, name="progress"),
    path("me/learning/", views.my_learning, name="mine"),
]

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "gonghui.reviews"
    label = "reviews"

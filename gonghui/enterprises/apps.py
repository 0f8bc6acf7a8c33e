from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "gonghui.enterprises"
    label = "enterprises"

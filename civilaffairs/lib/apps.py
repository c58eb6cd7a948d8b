from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "civilaffairs.lib"
    label = "lib"
    verbose_name = "公共工具"

from django.apps import AppConfig


class SupportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "support"
    verbose_name = "Support"

    def ready(self) -> None:
        # Registers the bearer-token scheme with drf-spectacular.
        from support import schema  # noqa: F401

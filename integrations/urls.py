from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("integrations/<str:public_id>/webhook", views.webhook, name="webhook"),
]

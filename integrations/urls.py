from django.urls import path

from integrations import sidebar, views

app_name = "integrations"

urlpatterns = [
    path("integrations/<str:public_id>/webhook", views.webhook, name="webhook"),
    path("integrations/<str:public_id>/badge", sidebar.sidebar_badge, name="sidebar_badge"),
    path("integrations/<str:public_id>/intercom/canvas", sidebar.intercom_canvas, name="intercom_canvas"),
]

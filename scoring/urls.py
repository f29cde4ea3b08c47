from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns = [
    path("validation/", views.validation, name="validation"),
    path("book/", views.book, name="book"),
    path("validation/suggest/", views.suggest, name="suggest"),
    path("validation/preview/<int:version_id>/", views.preview, name="preview"),
    path("validation/preview/<int:version_id>/publish/", views.publish, name="publish"),
]

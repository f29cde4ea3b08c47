from django.urls import path

from playbooks import views

app_name = "playbooks"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/counters/", views.counters, name="counters"),
    path("queue/export.csv", views.queue_export, name="queue_export"),
    path("queue/bulk/", views.tasks_bulk, name="bulk"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/snooze/", views.task_snooze, name="task_snooze"),
    path("tasks/<int:pk>/dismiss/", views.task_dismiss, name="task_dismiss"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("tasks/<int:pk>/check/", views.task_check, name="task_check"),
    path("tasks/<int:pk>/undo/", views.task_undo, name="task_undo"),
    path("dashboard/", views.dashboard, name="dashboard"),
]

from django.urls import path

from identity import views

app_name = "identity"

urlpatterns = [
    path("", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
]

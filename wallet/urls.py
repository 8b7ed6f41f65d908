from django.urls import path

from wallet import views

app_name = "wallet"

urlpatterns = [
    path("", views.index, name="index"),
    path("open/<int:person_id>/", views.open_wallet, name="open"),
    path("usage/<int:person_id>/", views.change_usage, name="usage"),
    path("transfer/", views.transfer, name="transfer"),
    path("transfer/allowance/", views.allowance, name="allowance"),
    path("transfers/<int:pk>/accept/", views.accept, name="accept"),
    path("transfers/<int:pk>/decline/", views.decline, name="decline"),
    path("history/", views.history, name="history"),
    path("pooling/", views.pooling, name="pooling"),
    path("pooling/<int:pk>/end/", views.pooling_stop, name="pooling_end"),
    path("premium/<int:person_id>/", views.pay_premium, name="premium"),
    path("statement/<int:person_id>/", views.statement, name="statement"),
    path("statement/<int:person_id>/<int:year>.csv", views.statement_csv, name="statement_csv"),
]

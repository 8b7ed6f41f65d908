from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("bills/", views.bill_list, name="bills"),
    path("bills/<int:pk>/", views.bill_detail, name="bill_detail"),
    path("bills/ref/<str:reference>/", views.bill_by_reference, name="bill_by_reference"),
    path("estimate/", views.estimate, name="estimate"),
    path("estimate/items/", views.directory_search, name="directory_search"),
    path("summary/", views.summary, name="summary"),
    path("summary/<int:person_id>/<int:year>.csv", views.summary_csv, name="summary_csv"),
    path("summary/<int:person_id>/<int:year>.pdf", views.summary_pdf, name="summary_pdf"),
    path("facilities/", views.facilities, name="facilities"),
    path("chronic/", views.chronic, name="chronic"),
    path("directory/", views.directory, name="directory"),
    path("reimbursements/", views.reimbursement_list, name="reimbursements"),
    path("reimbursements/new/", views.reimbursement_new, name="reimbursement_new"),
    path("reimbursements/<int:pk>/", views.reimbursement_detail, name="reimbursement_detail"),
    path(
        "reimbursements/<int:pk>/documents/<int:document_id>/",
        views.reimbursement_document,
        name="reimbursement_document",
    ),
]

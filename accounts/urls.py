from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("add/", views.dependent_add, name="dependent_add"),
    path("requests/<int:binding_id>/code/", views.binding_code, name="binding_code"),
    path("requests/<int:binding_id>/resend/", views.binding_resend, name="binding_resend"),
    path("requests/<int:binding_id>/end/", views.binding_end, name="binding_end"),
    path("requests/<int:binding_id>/respond/", views.binding_respond, name="binding_respond"),
    path("requests/<int:binding_id>/leave/", views.binding_leave, name="binding_leave"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/qr/", views.person_qr_refresh, name="person_qr_refresh"),
    path("people/<int:person_id>/counter/", views.person_qr_counter, name="person_qr_counter"),
    path("people/<int:person_id>/proof.pdf", views.person_proof_pdf, name="person_proof"),
    path("people/<int:person_id>/qr.svg", views.person_qr_svg, name="person_qr_svg"),
    path("people/<int:person_id>/facility/", views.facility_choose, name="facility_choose"),
    path(
        "people/<int:person_id>/registrations/new/",
        views.registration_new,
        name="registration_new",
    ),
    path(
        "registrations/<int:registration_id>/",
        views.registration_detail,
        name="registration_detail",
    ),
    path(
        "registrations/<int:registration_id>/cancel/",
        views.registration_cancel,
        name="registration_cancel",
    ),
]

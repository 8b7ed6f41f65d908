"""The directory (C1): versions with a CSV import, and their items."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.admin.imports import DirectoryUploadForm, import_page
from claims.models import (
    DirectoryItem,
    DirectoryVersion,
)
from claims.services.imports import DIRECTORY_COLUMNS, directory_import


@admin.register(DirectoryVersion)
class DirectoryVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "effective_from", "item_count")
    change_list_template = "admin/claims/change_list_with_import.html"
    import_label = gettext_lazy("Import items from CSV")

    @admin.display(description=gettext_lazy("items"))
    def item_count(self, obj) -> int:
        return obj.items.count()

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="claims_directoryversion_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest):
        if not self.has_change_permission(request):
            raise PermissionDenied
        return import_page(
            self,
            request,
            form_class=DirectoryUploadForm,
            columns=DIRECTORY_COLUMNS,
            title=_("Import directory items from CSV"),
            run=lambda data: directory_import(
                version=data["version"], data=data["file"].read(), acting_user=request.user
            ),
        )


@admin.register(DirectoryItem)
class DirectoryItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "item_class", "unit", "price_limit", "version")
    list_filter = ("version", "kind", "item_class")
    search_fields = ("code", "name")
    list_select_related = ("version",)

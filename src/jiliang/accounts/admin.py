"""Django admin for users, API tokens and the change log (read-only: append-only record)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from jiliang.accounts.models import ApiToken, BulkCreatedRows, BulkCreation, ChangeRecord, User
from jiliang.adminutil import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "display_name", "institution", "role", "is_staff")
    list_filter = ("role", "is_staff", "is_superuser")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("jiliang", {"fields": ("institution", "role", "display_name")}),
    )
    raw_id_fields = ("institution",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Tokens are issued from the user's token page; here they can only be revoked."""

    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "name", "digest", "prefix", "created", "last_used")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("time", "user", "model", "object_id", "object_repr", "action")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "object_id")
    date_hierarchy = "time"


@admin.register(BulkCreation)
class BulkCreationAdmin(ReadOnlyAdmin):
    list_display = ("time", "user", "model", "source", "count")
    list_filter = ("model",)
    search_fields = ("source",)
    date_hierarchy = "time"


@admin.register(BulkCreatedRows)
class BulkCreatedRowsAdmin(ReadOnlyAdmin):
    list_display = ("creation", "model", "first_id", "last_id")
    list_filter = ("model",)

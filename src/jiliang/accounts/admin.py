"""Django admin for users, API tokens and the change log (read-only: append-only record)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
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

    list_display = ("name", "user", "prefix", "created", "expires", "last_used", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "digest",
        "prefix",
        "created",
        "expires",
        "last_used",
        "revoked",
        "revoked_at",
    )
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a revoked token stays listed: who held access, and until when

    @admin.action(description="吊销所选令牌 Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            token.revoke()
        self.message_user(request, f"{queryset.count()} 个令牌已吊销 token(s) revoked")


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

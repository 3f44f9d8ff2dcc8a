"""API tokens expire: existing tokens get the default lifetime counted from their creation."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models


def existing_tokens_expire(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    lifetime = dt.timedelta(days=settings.API_TOKEN_DAYS)
    for token in ApiToken.objects.filter(expires__isnull=True).only("pk", "created"):
        ApiToken.objects.filter(pk=token.pk).update(expires=token.created + lifetime)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_bulk_creations")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(existing_tokens_expire, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires",
            field=models.DateTimeField(help_text="the token is refused from this instant on"),
        ),
    ]

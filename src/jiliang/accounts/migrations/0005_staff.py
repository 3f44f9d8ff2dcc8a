"""Staff roles: which signing step a user may take and who manages an institution's users.

Existing users keep what they could do (the three signing steps); the users who manage an
institution are chosen afterwards by an administrator or `jiliang demo`.
"""

from django.db import migrations, models

import jiliang.accounts.models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_token_expiry")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="staff_roles",
            field=models.JSONField(
                blank=True,
                default=jiliang.accounts.models.default_staff_roles,
                help_text="recorder, checker, approver, manager, readonly",
            ),
        ),
    ]

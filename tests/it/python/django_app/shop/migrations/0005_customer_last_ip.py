from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0004_rename_memo_note'),
    ]

    # GenericIPAddressField is an inet column on PostgreSQL.
    operations = [
        migrations.AddField(
            model_name='customer',
            name='last_ip',
            field=models.GenericIPAddressField(null=True),
        ),
    ]

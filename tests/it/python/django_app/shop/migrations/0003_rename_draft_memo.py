from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0002_draft'),
    ]

    # Django runs it in a transaction: ALTER TABLE shop_draft RENAME TO shop_memo inside it.
    operations = [
        migrations.RenameModel(old_name='Draft', new_name='Memo'),
    ]

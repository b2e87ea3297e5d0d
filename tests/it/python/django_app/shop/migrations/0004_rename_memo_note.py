from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0003_rename_draft_memo'),
    ]

    # One transaction: the table is renamed, then changed under its new name.
    operations = [
        migrations.RenameModel(old_name='Memo', new_name='Note'),
        migrations.AddField(
            model_name='note',
            name='pinned',
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name='note',
            index=models.Index(fields=['pinned'], name='shop_note_pinned_idx'),
        ),
    ]

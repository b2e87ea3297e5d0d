"""Django against a DriftDB server: `migrate` for the built-in apps (auth, contenttypes,
sessions, admin) and `shop`, then the ORM creates, queries and deletes rows, and SQL reads
the tables Django made FOR SYSTEM_TIME. Prints "ok", or exits with what differed.

Usage: python3 check.py HOST PORT
"""

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
os.environ["DRIFTDB_HOST"], os.environ["DRIFTDB_PORT"] = sys.argv[1], sys.argv[2]
os.environ["DJANGO_SETTINGS_MODULE"] = "settings"

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.contrib.auth.models import Permission, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import IntegrityError, connection, transaction  # noqa: E402
from shop.models import Customer, Note, Order  # noqa: E402


def check(what, got, expected):
    if got != expected:
        sys.exit(f"{what}: got {got!r}, expected {expected!r}")


call_command("migrate", verbosity=0)
# Every migration applied, and the permissions the post-migrate signal writes.
with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM django_migrations WHERE app = 'auth'")
    check("auth migrations", cur.fetchone()[0], 12)
check("permissions", Permission.objects.filter(codename="add_order").count(), 1)

user = User.objects.create_user("ann", "ann@example.com", "secret")
check("user", User.objects.get(username="ann").check_password("secret"), True)
customer = Customer.objects.create(name="ann", email="ann@example.com")
Order.objects.create(customer=customer, total=Decimal("9.50"))
Order.objects.create(customer=customer, total=Decimal("1.25"))
check("orders", sorted(o.total for o in customer.orders.all()), [Decimal("1.25"), Decimal("9.50")])
check("join", Order.objects.filter(customer__name="ann", total__gt=5).count(), 1)
# A model renamed twice by migrations (ALTER TABLE ... RENAME TO inside their
# transactions), the second time then given a field and an index in the same transaction.
Note.objects.create(customer=customer, text="renamed")
Note.objects.create(customer=customer, text="pinned", pinned=True)
check("renamed model", Note.objects.get(customer__name="ann", pinned=False).text, "renamed")
check("renamed and changed model", Note.objects.get(pinned=True).text, "pinned")
with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'shop_note_pinned_idx'")
    check("index made on the renamed table", cur.fetchone()[0], 1)
# An inet column (GenericIPAddressField): stored in PostgreSQL's form, found by either
# spelling of the address.
Customer.objects.create(name="bob", email="bob@example.com", last_ip="2001:DB8::0:1")
check("inet field", Customer.objects.get(last_ip="2001:db8::1").name, "bob")
check("inet value", Customer.objects.get(name="bob").last_ip, "2001:db8::1")
try:
    with transaction.atomic():
        Customer.objects.create(name="again", email="ann@example.com")
    check("unique email", "created", "IntegrityError")
except IntegrityError:
    pass
# Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: a missing customer fails at
# COMMIT, which atomic() turns into an IntegrityError.
try:
    with transaction.atomic():
        Order.objects.create(customer_id=999, total=Decimal("1"))
    check("foreign key", "committed", "IntegrityError")
except IntegrityError:
    pass
with connection.cursor() as cur:
    cur.execute("SELECT max(__sequence) FROM shop_order")
    before = cur.fetchone()[0]
customer.delete()
check("cascade", Order.objects.count(), 0)
with connection.cursor() as cur:
    cur.execute(f"SELECT count(*) FROM shop_order FOR SYSTEM_TIME AS OF @SEQ:{before}")
    check("time travel", cur.fetchone()[0], 2)
    cur.execute("SELECT __operation, count(*) FROM shop_order FOR SYSTEM_TIME ALL GROUP BY 1 ORDER BY 1")
    check("history", cur.fetchall(), [("DELETE", 2), ("INSERT", 2)])
print("ok")

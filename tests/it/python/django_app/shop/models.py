from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=50)
    email = models.EmailField(unique=True)
    last_ip = models.GenericIPAddressField(null=True)

class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    placed = models.DateTimeField(auto_now_add=True)

class Note(models.Model):
    text = models.TextField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    pinned = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["pinned"], name="shop_note_pinned_idx")]

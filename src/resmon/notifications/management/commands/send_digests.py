from django.core.management.base import BaseCommand

from resmon.notifications import services


class Command(BaseCommand):
    help = "Send each user on the daily digest one e-mail with their unread notifications (run once a day)."

    def handle(self, *args, **options):
        sent = services.send_digests()
        self.stdout.write(f"{sent} digest e-mail(s) sent.")

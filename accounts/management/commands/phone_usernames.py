"""Report logins whose username looks like a mobile number (A4): made before
the rule, they are left as they are (a username is how the person logs in) and
listed here so that the office can ask their owners to choose a new one."""

from django.core.management.base import BaseCommand

from accounts import selectors


class Command(BaseCommand):
    help = "List logins whose username looks like a mobile number (A4)."

    def handle(self, *args, **options):
        rows = selectors.phone_shaped_usernames()
        for row in rows:
            owner = "another login's record" if row.taken_by_other else "no other login's record"
            self.stdout.write(f"{row.user_id}\t{row.username}\t{row.phone}\t{owner}")
        self.stdout.write(f"{len(rows)} phone-shaped username(s).")
        return None

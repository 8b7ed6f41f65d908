from django.core.management.base import BaseCommand, CommandError

from wallet.selectors import ledger_problems


class Command(BaseCommand):
    help = (
        "Reconcile the ledger (W10): recompute every balance from its entries, check "
        "every movement is a pair summing to zero. Exits non-zero on any difference."
    )

    def handle(self, *args, **options) -> None:
        problems = ledger_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"ledger_check: {len(problems)} problem(s)")
        self.stdout.write("ledger_check: every balance matches its entries; all movements balance")

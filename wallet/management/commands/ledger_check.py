from django.core.management.base import BaseCommand, CommandError

from wallet.models import LedgerCheck
from wallet.services.reconcile import ledger_check_run


class Command(BaseCommand):
    help = (
        "Reconcile the ledger (W10): recompute every balance from its entries, check "
        "every movement is a pair summing to zero (from the last clean check's "
        "checkpoint; --full: from the first entry). Exits non-zero on any difference. "
        "The run is recorded (shown in the admin and at /healthz)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read every entry, not only those since the last clean check.",
        )

    def handle(self, *args, **options) -> None:
        check = ledger_check_run(trigger=LedgerCheck.Trigger.COMMAND, full=options["full"])
        if check.problem_count:
            for problem in check.problems:
                self.stderr.write(problem)
            if check.problem_count > len(check.problems):
                self.stderr.write(f"… and {check.problem_count - len(check.problems)} more")
            raise CommandError(f"ledger_check: {check.problem_count} problem(s)")
        self.stdout.write("ledger_check: every balance matches its entries; all movements balance")

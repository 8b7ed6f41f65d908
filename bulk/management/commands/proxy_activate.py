"""manage.py proxy_activate FILE --by USERNAME [--dry-run] [--report PATH]

Bulk proxy activation (W2) for operators, through the same services as the admin
pages: the file is stored as a batch, checked row by row, then (unless --dry-run)
confirmed in the name of USERNAME and run in chunks, with a progress bar.
"""

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from bulk import export, selectors, services
from bulk.admin import PERMISSION
from bulk.models import Batch
from bulk.reasons import ReasonText
from core.tabular import message_for

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Open wallets by proxy (W2) for the people listed in a CSV or .xlsx file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV (UTF-8 or GBK) or .xlsx file")
        parser.add_argument("--by", required=True, dest="username", help="the administrator")
        parser.add_argument("--dry-run", action="store_true", help="check only; open nothing")
        parser.add_argument("--report", help="write the per-row report (CSV) to this path")
        parser.add_argument("--language", default="zh-hans", help="zh-hans (default) or en")

    def handle(self, *args, **options) -> None:
        with translation.override(options["language"]):
            self._handle(**options)

    def _operator(self, username: str):
        """The administrator named by --by, allowed to open wallets in bulk."""
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(_("No active user called %(name)s.") % {"name": username})
        if not user.has_perm(PERMISSION):
            raise CommandError(
                _("%(name)s may not open wallets in bulk (permission %(perm)s).")
                % {"name": username, "perm": PERMISSION}
            )
        return user

    def _handle(self, *, file, username, dry_run, report, language, **_options) -> None:
        user = self._operator(username)
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        if report:
            self._check_report_path(report)
        with path.open("rb") as binary:
            try:
                batch = services.batch_upload(
                    file=File(binary, name=path.name), uploaded_by=user, queue_check=False
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None

        self.stdout.write(
            _("Batch #%(batch)s: checking %(file)s") % {"batch": batch.pk, "file": path.name}
        )
        batch = services.batch_check(batch_id=batch.pk, progress=self._bar(_("rows checked")))
        self.stdout.write("")
        if batch.status == Batch.Status.REJECTED:
            raise CommandError(message_for(**batch.problem))
        self._summary(batch)

        if dry_run:
            self.stdout.write(
                _(
                    "Dry run: nothing was opened. Batch #%(batch)s waits for "
                    "confirmation in the admin."
                )
                % {"batch": batch.pk}
            )
        elif not batch.n_ready:
            self.stdout.write(_("No row is ready to open: nothing to confirm."))
        else:
            services.batch_confirm(batch_id=batch.pk, acting_user=user, queue_run=False)
            batch = services.batch_run(batch_id=batch.pk, progress=self._bar(_("rows done")))
            self.stdout.write("")
            self.stdout.write(
                self.style.SUCCESS(
                    _("Opened %(opened)s, skipped %(skipped)s, not opened %(failed)s.")
                    % {
                        "opened": batch.n_activated,
                        "skipped": batch.n_skipped,
                        "failed": batch.n_not_opened,
                    }
                )
            )
        if report:
            with open(report, "wb") as out:
                for chunk in export.report_csv(batch, language=language):
                    out.write(chunk)
            self.stdout.write(_("Report written to %(path)s") % {"path": report})

    def _check_report_path(self, report: str) -> None:
        """Refuse a --report path that cannot be written before anything is
        stored or opened, rather than crash after the wallets were opened."""
        target = Path(report)
        folder = target.parent
        if target.is_dir():
            problem = _("that is a folder")
        elif not folder.is_dir():
            problem = _("the folder %(folder)s does not exist") % {"folder": folder}
        elif not os.access(target if target.exists() else folder, os.W_OK):
            problem = _("permission denied")
        else:
            return
        raise CommandError(
            _("Cannot write the report to %(path)s: %(problem)s. Nothing was done.")
            % {"path": report, "problem": problem}
        )

    def _bar(self, label: str):
        def show(batch: Batch) -> None:
            total = batch.rows_total or 1
            done = batch.rows_done
            filled = BAR_WIDTH * done // total
            percent = 100 * done // total
            self.stdout.write(
                f"\r[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {percent:3d}% "
                f"{done}/{batch.rows_total} {label}",
                ending="",
            )
            self.stdout.flush()

        return show

    def _summary(self, batch: Batch) -> None:
        self.stdout.write(
            _(
                "%(rows)s rows: %(ready)s ready to open, %(open)s already open, "
                "%(dup)s duplicates, %(bad)s with problems."
            )
            % {
                "rows": batch.rows_total,
                "ready": batch.n_ready,
                "open": batch.n_already_open,
                "dup": batch.n_duplicate,
                "bad": batch.n_invalid,
            }
        )
        for note in batch.notes:
            self.stdout.write("  " + services.note_text(note))
        reason_text = ReasonText()
        for row in selectors.batch_problems(batch=batch):
            self.stdout.write(f"  {_('row')} {row.line}: {reason_text(row.reason, row.reason_arg)}")

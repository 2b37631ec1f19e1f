"""The ``r`` key of 手册 and of 学校一览: the month's report pack (上报报表, ``guanai report``) written
in a thread, after asking when a file of that name is there already. Each screen says how it went
in its own place (``pack_status``, ``pack_finished``)."""
from __future__ import annotations

import os

from textual import work

from models import db as dbmod
from models import scope


class ReportPackExport:
    """Mixin for a Screen with an ``exporting`` flag: one export at a time."""

    exporting = False

    def export_report_pack(self, period, path: str, *, county: bool = False) -> None:
        if not os.path.lexists(path):
            self._run_pack(period, path, county, False)
            return
        from screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_pack(period, path, county, True)

        self.app.push_screen(ConfirmScreen(f"文件已存在:\n{path}\n覆盖它吗?", yes="覆盖", no="取消"), answered)

    def _run_pack(self, period, path: str, county: bool, force: bool) -> None:
        self.exporting = True
        self.pack_status(f"正在生成 {period.label} 上报报表...")
        self._pack_worker(period, path, county, force)

    @work(thread=True, exclusive=True, group="report-pack", exit_on_error=False)
    def _pack_worker(self, period, path: str, county: bool, force: bool) -> None:
        from models.report_pack import ReportError
        from tui.export import ExportError
        from tui.export.report_pack import export_pack

        try:
            with dbmod.current().connection_context():
                path, pack = export_pack(period, path, viewer=self.app.viewer, county=county, force=force)
        except (ExportError, ReportError, scope.ForbiddenError) as exc:
            self.app.call_from_thread(self._pack_end, str(exc), path, None)
            return
        except Exception as exc:  # noqa: BLE001 - an unexpected failure is shown, nothing is left behind
            self.app.call_from_thread(self._pack_end, f"导出失败: {type(exc).__name__}: {exc}", path, None)
            return
        self.app.call_from_thread(self._pack_end, None, path, pack)

    def _pack_end(self, error: str | None, path: str, pack) -> None:
        self.exporting = False
        self.pack_finished(error, path, pack)

    def pack_status(self, text: str) -> None:
        raise NotImplementedError

    def pack_finished(self, error: str | None, path: str, pack) -> None:
        raise NotImplementedError

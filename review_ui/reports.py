"""The report to the steering committee: figures for a period against the one before, breakdowns,
bar charts drawn as SVG on the server, the removed items, the narrative supervisors write (assessment,
difficulties, recommendations), and exports (PDF and DOCX documents, XLSX, CSV)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, pgettext

from index.casework import cases, report_narratives
from index.casework.periods import KINDS, Period, PeriodError, period
from index.casework.permissions import Actor
from index.casework.reports import Report, build_report
from review_ui import display, report_document, report_exports
from review_ui.documents import Letterhead
from review_ui.filters import category_name, in_ui_language, status_label
from review_ui.language import error_text, ui_language
from review_ui.official_exports import DOCX_MIMETYPE, audit_export, citations, citations_problem
from review_ui.security import has_role, login_required, repository
from safewatch.errors import SafeWatchError

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = ("supervisor", "analyst")
PERIOD_LABELS = {"month": lazy_gettext("Month"), "quarter": lazy_gettext("Quarter"),
                 "half": lazy_gettext("6 months"), "year": lazy_gettext("Year"),
                 "custom": lazy_gettext("Custom range")}
PARAMETERS = ("period", "date", "from", "to")
CHART_WIDTH = 380  # px of the longest bar


@bp.app_template_filter("report_value")
@in_ui_language
def report_value(value: float | int | None, kind: str) -> str:
    return report_exports.shown(value, kind, ui_language())


@bp.app_template_filter("report_change")
@in_ui_language
def report_change(value: float | None) -> str:
    return display.change(value, ui_language())


bp.add_app_template_filter(display.safe_href, "safe_href")


def today() -> date:
    return datetime.now(display.VIETNAM).date()


def parse_period(args) -> Period:
    """Query string -> Period; default: the 6 months containing today (Vietnam time)."""
    kind = args.get("period") or "half"
    if kind not in KINDS:
        raise PeriodError(gettext("Unknown period '%(period)s'.", period=kind[:20]))
    try:
        anchor = date.fromisoformat(args["date"]) if args.get("date") else today()
        if kind == "custom":
            start, end = date.fromisoformat(args.get("from") or ""), date.fromisoformat(args.get("to") or "")
            if not (2000 <= start.year and end.year <= 2100 and (end - start).days <= 3700):
                raise PeriodError(gettext("At most 10 years, from the year 2000."))
            return period("custom", start, end)
    except ValueError as error:
        if isinstance(error, PeriodError):
            raise
        raise PeriodError(gettext("Dates are written YYYY-MM-DD.")) from None
    if not 2000 <= anchor.year <= 2100:
        raise PeriodError(gettext("Years go from 2000 to 2100."))
    return period(kind, anchor)


def _report(args) -> tuple[Report, str | None]:
    error = None
    try:
        chosen = parse_period(args)
    except PeriodError as problem:
        error, chosen = error_text(problem), period("half", today())
    return build_report(repository(), chosen), error


def bar_chart(title: str, rows: list[tuple[str, list[int]]], series: tuple[str, ...]) -> dict:
    """Geometry of a horizontal bar chart: rows of (label, one value per series)."""
    top = max((v for _label, values in rows for v in values), default=0) or 1
    return {"title": title, "series": series, "height": 28 + len(rows) * (8 + 12 * len(series)),
            "row_height": 8 + 12 * len(series),
            "rows": [{"label": label, "bars": [{"value": v, "width": round(v / top * CHART_WIDTH, 1),
                                                "cls": f"bar-{n}"} for n, v in enumerate(values)]}
                     for label, values in rows]}


def ui_label(breakdown: str, key: str) -> str:
    """A breakdown's key as the page names it, in the UI's language."""
    if breakdown == "categories":
        return category_name(key)
    return status_label(key) if breakdown == "status" else key


def breakdowns(report: Report) -> list[tuple[str, list[tuple[str, str, int, int]]]]:
    """(title, rows of (key, label, collected, removed)) for each breakdown, in the UI's language."""
    return [(gettext(title), [(key, ui_label(name, key), collected, removed)
                              for key, _label, collected, removed in report_exports.breakdown_rows(report, name)])
            for name, _vi, title in report_exports.BREAKDOWNS]


def committee_tables(report: Report) -> list[dict]:
    """The committee's table per reviewer category and per platform, this period and the one before."""
    return [{"name": name, "title": gettext(title),
             "periods": [(gettext("This period"), report.period.label,
                          [(key, ui_label(name, key), columns)
                           for key, _vi, columns in report_exports.table_rows(report.figures, name)]),
                         (gettext("Previous period"), report.period.previous().label,
                          [(key, ui_label(name, key), columns)
                           for key, _vi, columns in report_exports.table_rows(report.previous, name)])]}
            for name, _vi, title in report_exports.TABLES]


def charts(report: Report) -> list[dict]:
    both = (pgettext("report column", "Collected"), pgettext("report column", "Removed"))
    found = [bar_chart(gettext("Posts collected per month"),
                       [(month, [n]) for month, n in report.figures.collected_per_month], both[:1])]
    for table in committee_tables(report):
        rows = table["periods"][0][2]
        found.append(bar_chart(table["title"], [(label, [c["collected"], c["removed"]])
                                                for _key, label, c in rows[:15]], both))
    return found


def case_figures(report: Report) -> tuple[dict, dict]:
    """Open cases by status (index.casework.cases.figures), this period and the previous one."""
    def of(chosen: Period) -> dict:
        return cases.figures(repository(), datetime.fromisoformat(chosen.start_iso),
                             datetime.fromisoformat(chosen.end_iso))
    return of(report.period), of(report.period.previous())


@bp.route("")
@login_required(*READERS)
def index():
    return _page({name: request.args.get(name, "") for name in PARAMETERS})


def _page(chosen: dict[str, str], *, entered: dict[str, str] | None = None, status: int = 200):
    """The report page for the chosen period; `entered`: the narrative as the supervisor wrote it, kept
    when it could not be saved."""
    report, error = _report(chosen)
    exports = {kind: url_for(f"reports.{kind}", **{k: v for k, v in chosen.items() if v})
               for kind in ("report_pdf", "report_docx", "report_xlsx", "removed_csv", "tips_csv")}
    return render_template("reports/index.html", report=report, error=error, chosen=chosen,
                           narrative=report_narratives.get_narrative(repository(), report.period), entered=entered,
                           narrative_sections=report_document.NARRATIVE_SECTIONS,
                           may_write=has_role("supervisor") and not error, citation=_citation_notes(report),
                           kinds=PERIOD_LABELS, figures=report_exports.figure_rows(report),
                           indicators=report_exports.indicator_rows(report), tables=committee_tables(report),
                           columns=report_exports.TABLE_COLUMNS, breakdowns=breakdowns(report),
                           removed=report_exports.removed_rows(report), charts=charts(report),
                           exports=exports, previous=report.period.previous(), case_figures=case_figures(report),
                           case_rows=report_exports.CASE_FIGURES), 400 if error else status


def _download(content: bytes, mimetype: str, report: Report, extension: str, *, inline: bool = False,
              what: str = "bao-cao") -> Response:
    name = f"safewatch-{what}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}.{extension}"
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"'})


def _checked_report(args) -> Report:
    try:
        chosen = parse_period(args)
    except PeriodError as error:
        abort(400, error_text(error))
    return build_report(repository(), chosen)


def _citation_notes(report: Report) -> dict:
    """The programme the documents cite for this period, and what is wrong with the settings if anything."""
    problem = citations_problem()
    if problem:
        return {"problem": problem, "programmes": [], "covered": True}
    last = report.period.end - timedelta(days=1)
    programmes, covered = citations().programmes_for(report.period.start, last)
    return {"problem": None, "programmes": programmes, "covered": covered}


def _document(document_format: str) -> Response:
    """The report as the committee receives it, PDF or DOCX; each download audited."""
    report = _checked_report(request.args)
    write = report_document.report_pdf if document_format == "pdf" else report_document.report_docx
    content = write(report, Letterhead.from_settings(current_app.config), today=today(),
                    narrative=report_narratives.get_narrative(repository(), report.period), citations=citations())
    audit_export("report_exported", document_format, period={"start": report.period.start.isoformat(),
                                                             "end_exclusive": report.period.end.isoformat()})
    if document_format == "pdf":
        return _download(content, "application/pdf", report, "pdf", inline=True)
    return _download(content, DOCX_MIMETYPE, report, "docx")


@bp.route("/report.pdf")
@login_required(*READERS)
def report_pdf():
    return _document("pdf")


@bp.route("/report.docx")
@login_required(*READERS)
def report_docx():
    return _document("docx")


@bp.route("/narrative", methods=["POST"])
@login_required("supervisor")
def narrative():
    """Save the supervisor's sections of the period's report (index.casework.report_narratives checks the role
    and the revision and writes the audit trail), then back to the report."""
    chosen = {name: request.form.get(name, "")[:20] for name in PARAMETERS}
    report_period = _checked_period({k: v for k, v in chosen.items() if v})
    sections = {name: request.form.get(name, "") for name in report_narratives.SECTIONS if name in request.form}
    revision = request.form.get("revision", "")
    try:
        if not (revision.isascii() and revision.isdigit() and len(revision) < 10):
            raise report_narratives.NarrativeError("The form is incomplete; reload the page.")
        report_narratives.save_narrative(repository(), report_period, sections, actor=Actor.of(g.user),
                                         revision=int(revision), request_id=g.request_id)
    except SafeWatchError as problem:  # the page again, with what was written, and why it was not saved
        flash(error_text(problem), "error")
        return _page(chosen, entered={name: sections.get(name, "") for name in report_narratives.SECTIONS},
                     status=400)
    flash(gettext("Saved the report's assessment, difficulties and recommendations."), "success")
    return redirect(url_for("reports.index", **{k: v for k, v in chosen.items() if v}, _anchor="narrative"), 303)


def _checked_period(args) -> Period:
    try:
        return parse_period(args)
    except PeriodError as error:
        abort(400, error_text(error))


@bp.route("/report.xlsx")
@login_required(*READERS)
def report_xlsx():
    report = _checked_report(request.args)
    return _download(report_exports.report_xlsx(report, case_figures(report)),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", report, "xlsx")


@bp.route("/removed.csv")
@login_required(*READERS)
def removed_csv():
    report = _checked_report(request.args)
    return _download(report_exports.removed_csv(report), "text/csv; charset=utf-8", report, "csv")


@bp.route("/tips.csv")
@login_required(*READERS)
def tips_csv():
    report = _checked_report(request.args)
    return _download(report_exports.tips_csv(report), "text/csv; charset=utf-8", report, "csv", what="tin-bao")

"""The form on which a reviewer or supervisor enters a tip received by phone, email or letter
(`safewatch tips add` does the same from the command line). index.casework.tips.enter_tip checks the role and the
tip, records the officer and the channel, and audits it; the reporter's code is shown once, to be passed on."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from index.casework import tips
from index.casework.tips import TipIntake, TipPolicy
from review_ui.display import local_input, parse_local_time
from review_ui.language import error_text
from review_ui.public_report import _now, categories
from review_ui.security import login_required, repository
from safewatch.errors import SafeWatchError

bp = Blueprint("tip_entry", __name__, url_prefix="/tips/new")


def _form(form, error: str | None = None, status: int = 200):
    return render_template("tips/entry.html", form=form, error=error, categories=categories(),
                           channels=tips.OFFICER_CHANNELS, latest=local_input(_now())), status


@bp.route("", methods=["GET", "POST"])
@login_required("reviewer", "supervisor")
def enter():
    if request.method == "GET":
        return _form({"channel": "phone"})
    form = request.form
    try:
        try:
            received_at = parse_local_time(form.get("received_at", "")[:40])
        except ValueError:
            raise tips.TipError("received_at must be written like 2026-03-01T09:30 (ISO 8601).") from None
        intake = TipIntake(form.get("channel", ""), tuple(form.get("urls", "")[:25_000].split()),
                           form.get("description", ""), form.get("category") or tips.NOT_SURE,
                           form.get("contact", ""), form.get("disclosure") == "yes", received_at=received_at)
        filed = tips.enter_tip(repository(), intake, actor=g.user,
                               policy=TipPolicy.from_config(current_app.config["SAFEWATCH"]), now=_now())
    except SafeWatchError as error:
        return _form(form, error_text(error), 400)
    return render_template("tips/entered.html", tip=filed.tip, code=filed.code), 201

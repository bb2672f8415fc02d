"""Admin: the API keys of partner units and platforms (index/casework/partners.py). A new key is shown once."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from index.casework import partners
from review_ui.language import error_text
from review_ui.security import login_required, repository
from safewatch.errors import SafeWatchError

bp = Blueprint("partners", __name__, url_prefix="/admin/partners")


@bp.route("", methods=["GET", "POST"])
@login_required("admin")
def index():
    new_key, status = None, 200
    if request.method == "POST":
        try:
            new_key = partners.add(repository(), request.form.get("name", "")[:100], actor=g.user["username"])
        except SafeWatchError as error:
            flash(error_text(error), "error")
            status = 400
    return render_template("tips/partners.html", partners=partners.listing(repository()), new_key=new_key), status


@bp.route("/<key_id>/revoke", methods=["POST"])
@login_required("admin")
def revoke(key_id: str):
    try:
        partners.revoke(repository(), key_id[:64], actor=g.user["username"])
    except SafeWatchError as error:
        flash(error_text(error), "error")
    else:
        flash(gettext("Key revoked."), "success")
    return redirect(url_for("partners.index")), 303

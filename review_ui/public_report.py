"""The public report page (/bao-cao): anyone, without an account, reports content harmful to children.

No login, CSRF-protected like every form, rate-limited per client address (index/casework/tip_throttle.py), no
third-party script (the app's CSP). An attached image is kept only if its bytes are an allowed image
(index/storage/media.py, the same checks as crawled media) and it stays blurred for staff. The answer is a
reference and a one-time code; with both, /bao-cao/trang-thai shows the status and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_babel import gettext, lazy_gettext

from index.casework import tip_throttle, tips
from index.casework.tips import TipIntake, TipPolicy
from review_ui.language import error_text
from review_ui.security import repository
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import CODES

bp = Blueprint("public_report", __name__, url_prefix="/bao-cao")
# The 14 categories in plain words a parent or a child understands.
PLAIN_CATEGORIES = {
    "child_sexual_abuse": lazy_gettext("Sexual images or abuse of a child"),
    "grooming": lazy_gettext("An adult luring a child, asking for photos, or threatening to share them"),
    "trafficking": lazy_gettext("Selling people, or fake jobs luring children away"),
    "self_harm": lazy_gettext("Encouraging self-harm or suicide"),
    "dangerous_challenge": lazy_gettext("A dangerous challenge or trend"),
    "sexual_content": lazy_gettext("Pornographic or obscene content"),
    "violence_gore": lazy_gettext("Violence, gore or horror"),
    "drugs": lazy_gettext("Drugs, alcohol or tobacco sold or shown to children"),
    "bullying": lazy_gettext("Bullying, insults or harassment online"),
    "child_privacy": lazy_gettext("A child's private information or photos posted without consent"),
    "gambling": lazy_gettext("Gambling or betting"),
    "scam": lazy_gettext("A scam aimed at children or teenagers"),
    "hate_extremism": lazy_gettext("Hate, discrimination or extremism"),
    "superstition": lazy_gettext("Harmful superstition"),
    "not_sure": lazy_gettext("I am not sure"),
}
PUBLIC_STATUS_TEXT = {"received": lazy_gettext("Received"), "being_handled": lazy_gettext("Being handled"),
                      "handled": lazy_gettext("Handled")}
FORM_OVERHEAD = 256 * 1024  # the form's text fields around the image


def _config():
    return current_app.config["SAFEWATCH"]


def _now() -> datetime:
    clock = current_app.config.get("SAFEWATCH_CLOCK")
    return clock() if clock else datetime.now(UTC)


def categories() -> list[tuple[str, str]]:
    return [(code, str(PLAIN_CATEGORIES[code])) for code in (*CODES, tips.NOT_SURE)]


def _image() -> dict | None:
    """The attached image, checked by its bytes and kept in the evidence store; None when none was attached."""
    from index.storage.evidence import EvidenceStore
    from index.storage.media import declared_type, refusal
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        return None
    limit = _config().tip_max_image_bytes
    body = upload.stream.read(limit + 1)
    declared = declared_type(upload.mimetype)
    if refusal(declared, body, limit) is not None:
        raise tips.TipError("The image was not accepted: only JPEG, PNG, GIF or WebP photos up to %(mb)d MB.",
                            mb=limit // (1024 * 1024))
    capture = EvidenceStore(_config().evidence_path).save(
        requested_url="upload:public-report", final_url="upload:public-report", status=200,
        headers={"Content-Type": declared}, body=body)
    return {"capture_id": capture.id, "sha256": capture.sha256, "content_type": declared, "bytes": capture.size}


@bp.route("", methods=["GET", "POST"])
def report():
    form = request.form if request.method == "POST" else {}
    if request.method == "GET":
        return render_template("tips/public_form.html", categories=categories(), form=form, error=None)
    config = _config()
    if (request.content_length or 0) > config.tip_max_image_bytes + FORM_OVERHEAD:
        abort(413)
    repo = repository()
    try:
        tip_throttle.reserve(repo, g.client_address, limit=config.tip_rate_limit,
                             window_minutes=config.tip_rate_window_minutes, now=_now())
        intake = TipIntake("web", tuple(form.get("urls", "")[:25_000].split()), form.get("description", ""),
                           form.get("category") or tips.NOT_SURE, form.get("contact", ""),
                           form.get("disclosure") == "yes")
        tips._validated(intake)  # before the image is stored
        filed = tips.file_tip(repo, TipIntake(**{**intake.__dict__, "image": _image()}),
                              policy=TipPolicy.from_config(config), now=_now())
    except tip_throttle.TooManyTips as error:
        return render_template("tips/public_form.html", categories=categories(), form=form,
                               error=error_text(error)), 429
    except SafeWatchError as error:
        return render_template("tips/public_form.html", categories=categories(), form=form,
                               error=error_text(error)), 400
    return render_template("tips/public_thanks.html", reference=filed.tip["reference"], code=filed.code), 201


@bp.route("/trang-thai", methods=["GET", "POST"])
def status():
    if request.method == "GET":
        return render_template("tips/public_status.html", status=None, error=None, reference="")
    reference = request.form.get("reference", "")[:40]
    config = _config()
    try:
        tip_throttle.reserve(repository(), g.client_address, limit=config.tip_rate_limit * 4,
                             window_minutes=config.tip_rate_window_minutes, now=_now(), kind="status")
    except tip_throttle.TooManyTips as error:
        return render_template("tips/public_status.html", status=None, error=error_text(error),
                               reference=reference), 429
    found = tips.public_status(repository(), reference, request.form.get("code", "")[:40])
    if found is None:
        return render_template("tips/public_status.html", status=None, reference=reference,
                               error=gettext("No report matches this reference and code.")), 404
    return render_template("tips/public_status.html", status=str(PUBLIC_STATUS_TEXT[found]), status_key=found,
                           error=None, reference=reference)

"""The letter of a warning or removal request, as PDF and as an editable DOCX with the same content, in
the Vietnamese administrative layout; the legal basis and the programme cited in full administrative
form (safewatch/citations.yml)."""

from __future__ import annotations

from datetime import datetime

from review_ui.display import VIETNAM, vn_date
from review_ui.documents import Letterhead, OfficialDocument, place_and_date
from review_ui.word_documents import OfficialDocx
from safewatch.citations import Citations
from safewatch.taxonomy import BY_CODE

CONTACT_CHANNELS = {"email": "Thư điện tử", "web_form": "Biểu mẫu trực tuyến", "phone": "Điện thoại",
                    "letter": "Địa chỉ gửi văn bản"}
SUBJECTS = {"takedown": "V/v yêu cầu gỡ bỏ thông tin vi phạm", "warning": "V/v cảnh báo thông tin vi phạm"}


def letter_pdf(notice: dict, evidence: list[dict], letterhead: Letterhead, *, deadline_hours: float,
               citations: Citations) -> bytes:
    """`evidence`: one row per post {url, sha256, captured_at, content_hash, excerpt, account} (see
    notices.evidence_rows). The recipient as the platform registry names it, the contact officer named."""
    doc = OfficialDocument(letterhead, title=letter_title(notice), reference=notice["reference"])
    write_letter(doc, notice, evidence, letterhead, deadline_hours=deadline_hours, citations=citations)
    return doc.to_bytes()


def letter_docx(notice: dict, evidence: list[dict], letterhead: Letterhead, *, deadline_hours: float,
                citations: Citations) -> bytes:
    """The same letter as letter_pdf, as a Word document the unit can edit before signing."""
    doc = OfficialDocx(letterhead, title=letter_title(notice), reference=notice["reference"])
    write_letter(doc, notice, evidence, letterhead, deadline_hours=deadline_hours, citations=citations)
    return doc.to_bytes()


def letter_title(notice: dict) -> str:
    return f"{SUBJECTS[notice['kind']][4:]} - {notice['reference']}"


def write_letter(doc: OfficialDocument | OfficialDocx, notice: dict, evidence: list[dict], letterhead: Letterhead,
                 *, deadline_hours: float, citations: Citations) -> None:
    kind, reference, recipient = notice["kind"], notice["reference"], notice["recipient"]
    last_sent = notice.get("last_sent_at") or notice.get("sent_at")  # a re-sent letter is dated as re-sent
    sent_at = datetime.fromisoformat(last_sent).astimezone(VIETNAM) if last_sent else None
    day = (sent_at or datetime.now(VIETNAM)).date()
    doc.national_header(number=reference, subject=SUBJECTS[kind], place_date=place_and_date(letterhead.place, day),
                        draft=notice["status"] == "draft")
    doc.paragraph(f"Kính gửi: {recipient}", style="B", align="C")
    details = notice.get("recipient_details") or {}
    if details.get("address"):
        doc.paragraph(f"Địa chỉ: {details['address']}", align="C")
    if details.get("contact"):
        doc.paragraph(f"{CONTACT_CHANNELS.get(details.get('contact_channel'), 'Liên hệ')}: {details['contact']}",
                      align="C")
    doc.ln(2)
    for basis in citations.expand_all(notice.get("legal_basis") or ""):
        doc.paragraph(f"Căn cứ {basis};", style="I")
    unit = letterhead.unit[:1] + letterhead.unit[1:].lower()
    categories = ", ".join(BY_CODE[c].name_vi.lower() for c in notice.get("categories") or [] if c in BY_CODE)
    where = f" trên {notice['platform']}" if notice.get("platform") else ""
    doc.paragraph(f"Thực hiện {citations.programme_words(day, day)}, qua công tác theo dõi, phát hiện trên không "
                  f"gian mạng, {unit} phát hiện {len(evidence)} nội dung "
                  f"đăng tải{where} có dấu hiệu vi phạm pháp luật về bảo vệ trẻ em"
                  f"{f' ({categories})' if categories else ''}, cụ thể như sau:")
    rows = []
    for number, item in enumerate(evidence, 1):
        if item.get("sha256"):
            digest = item["sha256"]
        elif item.get("content_hash"):
            digest = f"Chưa có bản lưu.\nSHA-256 nội dung:\n{item['content_hash']}"
        else:
            digest = "Chưa có bản lưu."
        where = item.get("url") or "—"
        if item.get("account"):
            where += f"\nTài khoản: {item['account']}"
        if item.get("excerpt"):
            where += f"\nTrích: “{item['excerpt']}”"
        rows.append((number, where, digest, vn_date(item.get("captured_at"))))
    doc.grid(("STT", "Đường dẫn, tài khoản, trích nội dung", "Mã SHA-256 của bản lưu chứng cứ", "Ngày lưu"), rows,
             widths=(0.07, 0.43, 0.33, 0.17), align=("C", "L", "L", "C"), size=10)
    hours = f"{deadline_hours:g}"
    due = ""
    if notice.get("deadline"):
        deadline = datetime.fromisoformat(notice["deadline"]).astimezone(VIETNAM)
        due = f" (chậm nhất {deadline:%H} giờ {deadline:%M} ngày {deadline:%d/%m/%Y})"
    if kind == "takedown":
        doc.paragraph(f"Đề nghị {recipient} gỡ bỏ các nội dung nêu trên trong thời hạn {hours} giờ kể từ khi nhận "
                      f"được yêu cầu này{due} theo quy định tại Nghị định 147/2024/NĐ-CP, đồng thời thông báo kết "
                      f"quả về {unit} để theo dõi.")
    else:
        doc.paragraph(f"{unit} cảnh báo {recipient}: các nội dung nêu trên vi phạm quy định của pháp luật về bảo vệ "
                      f"trẻ em. Yêu cầu chấm dứt ngay hành vi vi phạm và tự gỡ bỏ các nội dung trên trong thời hạn "
                      f"{hours} giờ kể từ khi nhận được cảnh báo này{due}. Trường hợp tiếp tục vi phạm sẽ bị xử lý "
                      f"theo quy định của pháp luật.")
    if len(notice.get("sendings") or []) > 1:
        first = datetime.fromisoformat(notice["sent_at"]).astimezone(VIETNAM)
        doc.paragraph(f"Đây là lần gửi thứ {len(notice['sendings'])} của yêu cầu này; lần gửi đầu tiên ngày "
                      f"{first:%d/%m/%Y} lúc {first:%H} giờ {first:%M}, đến nay các nội dung trên vẫn chưa được "
                      f"gỡ bỏ.")
    if notice.get("contact_officer"):
        doc.paragraph(f"Cán bộ liên hệ: {notice['contact_officer']}.")
    doc.paragraph(f"Số tham chiếu: {reference}. Mọi trao đổi xin ghi rõ số tham chiếu này.", style="I")
    doc.signature(recipients=("Như trên;", f"Lưu: VT, hồ sơ {reference}."))

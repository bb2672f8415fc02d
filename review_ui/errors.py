"""Error pages (400, 403, 404, 405, 500) in the app's layout, Vietnamese first with English, instead of
Werkzeug's English defaults: the user keeps the menu and the sign-out button."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# code -> (title vi, title en, explanation vi, explanation en)
MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Bad request",
          "Trang nhận được dữ liệu không hợp lệ. Hãy quay lại và thử lại.",
          "The page received data it cannot use. Go back and try again."),
    403: ("Không có quyền truy cập", "Forbidden",
          "Tài khoản của bạn không có quyền mở trang này hoặc thực hiện thao tác này.",
          "Your account may not open this page or do this action."),
    404: ("Không tìm thấy", "Not found",
          "Trang hoặc mục bạn tìm không tồn tại, hoặc đường dẫn bị sai.",
          "The page or item does not exist, or the address is wrong."),
    405: ("Thao tác không được hỗ trợ", "Method not allowed",
          "Trang này không nhận kiểu yêu cầu đó. Hãy dùng các nút trên trang.",
          "This page does not accept that kind of request. Use the buttons on the page."),
    500: ("Lỗi hệ thống", "Server error",
          "Đã có lỗi xảy ra. Hãy thử lại sau ít phút; nếu lỗi lặp lại, báo quản trị viên kèm mã yêu cầu.",
          "Something went wrong. Try again in a few minutes; if it happens again, tell the administrator "
          "the request id."),
}
CSRF_MESSAGE = ("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ. Hãy tải lại trang rồi thử lại.",
                "The form expired or lacks its security token. Reload the page and try again.")


def render_error(error: HTTPException):
    code = error.code if error.code in MESSAGES else 500
    title_vi, title_en, text_vi, text_en = MESSAGES[code]
    if isinstance(error, CSRFError):
        text_vi, text_en = CSRF_MESSAGE
    return render_template("errors/error.html", code=code, title_vi=title_vi, title_en=title_en,
                           text_vi=text_vi, text_en=text_en,
                           request_id=g.get("request_id") if code == 500 else None), code


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, render_error)

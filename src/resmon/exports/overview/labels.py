"""The fixed Vietnamese words of the overview exports. Like the document format's words
(decision 012), a filed table or report is in Vietnamese whatever the reader's interface language,
so these are constants, not interface strings; the status labels are UI.md's."""

from __future__ import annotations

from resmon.agencies.models import Agency

STATUS_LABELS = {
    "not_started": "Chưa thực hiện",
    "in_progress": "Đang thực hiện – trong hạn",
    "overdue": "Quá hạn – chưa hoàn thành",
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "paused": "Tạm dừng",
    "cancelled": "Hủy bỏ",
}
BAND_LABELS = {"green": "Tốt", "orange": "Cần theo dõi", "red": "Thấp", "none": "Chưa có số liệu"}
NATIONWIDE = "Toàn quốc"
ALL_RESOLUTIONS = "Tất cả các nghị quyết"
NO_PERIOD = "Không chọn kỳ"
SMALL_SAMPLE = "Mẫu nhỏ"

ON_TIME_RULE = (
    "Tỷ lệ hoàn thành đúng hạn = số nhiệm vụ hoàn thành đúng hạn ÷ (hoàn thành đúng hạn + hoàn thành "
    "quá hạn + quá hạn chưa hoàn thành); để trống khi chưa có nhiệm vụ nào được đánh giá theo thời hạn."
)
PROGRESS_RULE = (
    "Tiến độ: bình quân gia quyền của các nhiệm vụ cấp cao nhất do các cơ quan trong phạm vi chủ trì, "
    "tính riêng cho từng nghị quyết (không cộng gộp các nghị quyết)."
)
COMPLETENESS_RULE = (
    "Tỷ lệ báo cáo đã nhận: phần trăm số báo cáo phải gửi trong kỳ đã được các cơ quan của đơn vị gửi."
)
TILES_RULE = (
    "Mức theo tỷ lệ hoàn thành đúng hạn: Tốt từ 90%, Cần theo dõi từ 70% đến dưới 90%, Thấp dưới 70%."
)
RANKING_REFUSED = (
    "Không xếp hạng khi xem tất cả các nghị quyết: tiến độ của các nghị quyết khác nhau không so sánh "
    "được với nhau. Chọn một nghị quyết để xem bảng xếp hạng."
)


def ranking_rule(resolution_number: str, small_sample: int) -> str:
    return (
        f"Các đơn vị trực thuộc được xếp theo tiến độ thực hiện Nghị quyết {resolution_number} (cao "
        f"trước; bằng tiến độ thì cùng hạng). Đơn vị chủ trì dưới {small_sample} nhiệm vụ là mẫu nhỏ: "
        "xếp sau các đơn vị khác, không xếp hạng. Đơn vị không chủ trì nhiệm vụ nào của nghị quyết "
        "không được xếp hạng."
    )


def agency_label(agency: Agency) -> str:
    return NATIONWIDE + f" ({agency.name})" if agency.depth == 1 else agency.name

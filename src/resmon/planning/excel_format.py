"""The Excel template of an action programme: sheet names, the header block, the task table's
columns and the labels of the choice columns.

The template is a Vietnamese administrative document: its sheet names, headers and labels are
fixed Vietnamese text (not translated with the interface), so that a file exported in any
interface language imports back unchanged.

Layout of the sheet "Nhiệm vụ":

* rows 1–6: the header block, a label in column A and its value in column B (resolution,
  agency, programme id, number, title, status); only the programme id is read back, to refuse a
  file of another programme;
* row 8: the table headers (:data:`COLUMNS`), found by their text, so a reordered column is read
  correctly;
* from row 9: one task per row. The code ("1", "1.2", "1.2.3") gives the tree: a task's parent is
  the row whose code is its code without the last part. The hidden, locked column "ID" holds the
  task's id: a row with an id updates that task, a row without one creates a task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import DeliverableType, ReviewPeriod

SHEET_TASKS = "Nhiệm vụ"
SHEET_GUIDE = "Hướng dẫn"
SHEET_LISTS = "Danh mục"

HEADER_ROW = 8
FIRST_DATA_ROW = 9
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# data validations and the text format of the code column cover this many rows below the data
SPARE_ROWS = 500

ONGOING = "Thường xuyên"
DATE_FORMAT = "DD/MM/YYYY"
LIST_SEPARATOR = ";"
CODE_RE = re.compile(r"^[1-9]\d{0,3}(\.[1-9]\d{0,3}){0,9}$")

# header block: (row, label); the values are written in column B
INFO_RESOLUTION = (1, "Nghị quyết")
INFO_AGENCY = (2, "Cơ quan ban hành")
INFO_PROGRAM_ID = (3, "Mã chương trình (ID)")
INFO_NUMBER = (4, "Số, ký hiệu")
INFO_TITLE = (5, "Tên chương trình")
INFO_STATUS = (6, "Trạng thái")

STATUS_LABELS = {"draft": "Dự thảo", "issued": "Đã ban hành"}

REVIEW_PERIOD_LABELS = {
    ReviewPeriod.MONTH.value: "Hằng tháng",
    ReviewPeriod.QUARTER.value: "Hằng quý",
    ReviewPeriod.HALF_YEAR.value: "6 tháng",
    ReviewPeriod.YEAR.value: "Hằng năm",
}

DELIVERABLE_LABELS = {
    DeliverableType.PROJECT.value: "Đề án trình cấp có thẩm quyền",
    DeliverableType.LEGAL_DOC.value: "Văn bản quy phạm, văn bản chỉ đạo",
    DeliverableType.REPORT.value: "Báo cáo",
    DeliverableType.PLAN.value: "Kế hoạch, chương trình",
    DeliverableType.SYSTEM.value: "Hệ thống thông tin, nền tảng",
    DeliverableType.CONSTRUCTION.value: "Công trình, cơ sở vật chất",
    DeliverableType.OTHER.value: "Khác",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    guide: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "Mã",
        10,
        "Bắt buộc. Mã phân cấp của nhiệm vụ: 1, 2, … cho nhiệm vụ cấp một; 1.1, 1.2 cho nhiệm vụ con của "
        "nhiệm vụ 1; 1.2.1 cho nhiệm vụ con của 1.2. Nhiệm vụ cha phải có trong tệp. Mã không trùng nhau.",
    ),
    Column(
        "title",
        "Tên nhiệm vụ",
        50,
        "Bắt buộc. Nêu rõ hành động và phạm vi (rõ việc).",
    ),
    Column(
        "lead",
        "Cơ quan chủ trì",
        16,
        "Bắt buộc. Mã cơ quan chủ trì, thuộc cơ quan ban hành chương trình hoặc cơ quan cấp dưới "
        "(xem sheet “Danh mục”).",
    ),
    Column("officer", "Cán bộ phụ trách", 22, "Họ tên cán bộ phụ trách (rõ người)."),
    Column(
        "coordinating",
        "Cơ quan phối hợp",
        20,
        "Mã các cơ quan phối hợp, cách nhau bởi dấu chấm phẩy (;). Không trùng cơ quan chủ trì.",
    ),
    Column(
        "sub_deliverables",
        "Phần việc phối hợp",
        30,
        "Phần việc (sản phẩm) của từng cơ quan phối hợp, theo đúng thứ tự ở cột “Cơ quan phối hợp”, cách "
        "nhau bởi dấu chấm phẩy (;). Số phần việc bằng số cơ quan phối hợp.",
    ),
    Column(
        "due",
        "Thời hạn",
        14,
        "Ngày hoàn thành dạng dd/mm/yyyy, hoặc “Thường xuyên” cho nhiệm vụ thường xuyên (khi đó ghi "
        "định kỳ đánh giá). Không muộn hơn thời hạn của nhiệm vụ cha, trừ khi nêu lý do.",
    ),
    Column(
        "review_period",
        "Định kỳ đánh giá",
        16,
        "Chọn trong danh sách: " + ", ".join(REVIEW_PERIOD_LABELS.values()) + ".",
    ),
    Column(
        "deliverable_type",
        "Loại sản phẩm",
        26,
        "Chọn trong danh sách (xem sheet “Danh mục”).",
    ),
    Column("deliverable", "Sản phẩm", 30, "Mô tả sản phẩm đầu ra (rõ sản phẩm)."),
    Column(
        "authority",
        "Thẩm quyền",
        24,
        "Cấp có thẩm quyền ban hành hoặc nghiệm thu sản phẩm, ví dụ: Ban Thường vụ Tỉnh ủy, UBND tỉnh.",
    ),
    Column("weight", "Trọng số", 10, "Số không âm (mặc định 1), dùng để tổng hợp tiến độ lên nhiệm vụ cha."),
    Column(
        "justification",
        "Lý do thời hạn sau nhiệm vụ cha",
        30,
        "Bắt buộc khi thời hạn muộn hơn thời hạn của nhiệm vụ cha.",
    ),
    Column(
        "clauses",
        "Nội dung Nghị quyết",
        20,
        "Số hiệu các điểm, mục của Nghị quyết mà nhiệm vụ thực hiện (ví dụ II.3.a), cách nhau bởi dấu "
        "chấm phẩy (;).",
    ),
    Column("description", "Mô tả", 40, "Mô tả thêm (không bắt buộc)."),
    Column(
        "id",
        "ID",
        8,
        "Cột kỹ thuật, bị ẩn và khóa: mã số của nhiệm vụ trong hệ thống. Không sửa. Dòng thêm mới để trống "
        "cột này.",
    ),
)

COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

GUIDE_INTRO = (
    "Hướng dẫn sử dụng mẫu Excel chương trình hành động",
    "Mỗi dòng ở sheet “Nhiệm vụ” là một nhiệm vụ. Giữ nguyên tên sheet và dòng tiêu đề bảng.",
    "Khi nhập lại, dòng có ID cập nhật nhiệm vụ đó; dòng không có ID tạo nhiệm vụ mới. Nhiệm vụ không có "
    "trong tệp không bị xóa.",
    "Nếu có bất kỳ dòng nào sai, hệ thống không lưu gì và trả về danh sách lỗi theo dòng và cột.",
    f"Tối đa {MAX_ROWS} dòng, tệp không quá 5 MB.",
)


def code_parts(code: str) -> tuple[int, ...] | None:
    """The numbers of a hierarchical code, or None if it is not one."""
    if not CODE_RE.match(code):
        return None
    return tuple(int(p) for p in code.split("."))


def parent_code(code: str) -> str:
    return code.rpartition(".")[0]


def normalise_label(text: str) -> str:
    return " ".join(text.split()).casefold()


def lookup_choice(text: str, labels: dict[str, str]) -> str | None:
    """A choice from its Vietnamese label or its code, ignoring case and spacing."""
    wanted = normalise_label(text)
    for code, label in labels.items():
        if wanted in (normalise_label(label), code.casefold()):
            return code
    return None

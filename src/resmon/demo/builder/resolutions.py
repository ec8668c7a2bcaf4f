"""The seven Politburo resolutions (public facts), their steering committees, and which
ministries each concerns most."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resmon.planning.models import Resolution, SteeringCommittee


@dataclass(frozen=True)
class ResolutionInfo:
    number: str
    issued_on: dt.date
    title: str
    short: str  # the subject, used in programme titles after "về"
    summary: str
    committee: str


RESOLUTIONS = (
    ResolutionInfo(
        "57-NQ/TW",
        dt.date(2024, 12, 22),
        "Nghị quyết về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
        "đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
        "Xác định phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số là đột phá quan trọng "
        "hàng đầu, động lực chính để phát triển nhanh lực lượng sản xuất hiện đại. Nghị quyết đặt mục tiêu "
        "đến năm 2030 Việt Nam thuộc nhóm dẫn đầu khu vực về đổi mới sáng tạo và chuyển đổi số, kinh tế số "
        "đạt tối thiểu 30% GDP; yêu cầu tháo gỡ điểm nghẽn thể chế, bố trí tối thiểu 3% tổng chi ngân sách "
        "hằng năm cho khoa học, công nghệ và chuyển đổi số, phát triển hạ tầng số và nhân lực chất lượng "
        "cao.",
        "Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
    ),
    ResolutionInfo(
        "59-NQ/TW",
        dt.date(2025, 1, 24),
        "Nghị quyết về hội nhập quốc tế trong tình hình mới",
        "hội nhập quốc tế trong tình hình mới",
        "Khẳng định hội nhập quốc tế là nhiệm vụ chiến lược, sự nghiệp của toàn dân và cả hệ thống chính "
        "trị. Nghị quyết yêu cầu chuyển mạnh từ tiếp nhận sang chủ động đóng góp, xây dựng và định hình "
        "các thể chế đa phương; gắn kết chặt chẽ hội nhập kinh tế với hội nhập trong các lĩnh vực chính "
        "trị, quốc phòng, an ninh, văn hóa, xã hội, khoa học, công nghệ, giáo dục và đào tạo; nâng cao "
        "năng lực thực thi các cam kết quốc tế và khả năng thích ứng của doanh nghiệp, địa phương.",
        "Ban Chỉ đạo thực hiện Nghị quyết số 59-NQ/TW về hội nhập quốc tế",
    ),
    ResolutionInfo(
        "66-NQ/TW",
        dt.date(2025, 4, 30),
        "Nghị quyết về đổi mới công tác xây dựng và thi hành pháp luật đáp ứng yêu cầu phát triển đất nước "
        "trong kỷ nguyên mới",
        "đổi mới công tác xây dựng và thi hành pháp luật đáp ứng yêu cầu phát triển đất nước "
        "trong kỷ nguyên mới",
        "Xác định thể chế là điểm nghẽn của điểm nghẽn; đặt mục tiêu đến năm 2025 cơ bản tháo gỡ các "
        "vướng mắc do quy định pháp luật, đến năm 2027 hoàn thành sửa đổi, bổ sung các văn bản pháp luật "
        "tạo cơ sở pháp lý cho hoạt động của bộ máy nhà nước ba cấp, đến năm 2028 hoàn thiện cơ bản hành "
        "lang pháp lý cho đầu tư, kinh doanh. Nghị quyết yêu cầu đổi mới tư duy xây dựng pháp luật theo "
        "hướng vừa quản lý vừa kiến tạo phát triển, nâng cao hiệu quả tổ chức thi hành pháp luật.",
        "Ban Chỉ đạo thực hiện Nghị quyết số 66-NQ/TW về xây dựng và thi hành pháp luật",
    ),
    ResolutionInfo(
        "68-NQ/TW",
        dt.date(2025, 5, 4),
        "Nghị quyết về phát triển kinh tế tư nhân",
        "phát triển kinh tế tư nhân",
        "Xác định kinh tế tư nhân là một động lực quan trọng nhất của nền kinh tế quốc gia. Nghị quyết đặt "
        "mục tiêu đến năm 2030 có 2 triệu doanh nghiệp hoạt động, 20 doanh nghiệp/nghìn dân, ít nhất 20 "
        "doanh nghiệp lớn tham gia chuỗi giá trị toàn cầu; kinh tế tư nhân đóng góp khoảng 55-58% GDP. "
        "Yêu cầu bảo vệ quyền tài sản, quyền kinh doanh, giảm chi phí tuân thủ, xóa bỏ thuế khoán đối với "
        "hộ kinh doanh và hỗ trợ hộ kinh doanh chuyển đổi lên doanh nghiệp.",
        "Ban Chỉ đạo thực hiện Nghị quyết số 68-NQ/TW về phát triển kinh tế tư nhân",
    ),
    ResolutionInfo(
        "70-NQ/TW",
        dt.date(2025, 8, 20),
        "Nghị quyết về bảo đảm an ninh năng lượng quốc gia đến năm 2030, tầm nhìn đến năm 2045",
        "bảo đảm an ninh năng lượng quốc gia đến năm 2030, tầm nhìn đến năm 2045",
        "Đặt mục tiêu bảo đảm vững chắc an ninh năng lượng quốc gia, cung cấp đủ năng lượng ổn định, chất "
        "lượng cao cho phát triển kinh tế - xã hội với tốc độ tăng trưởng hai con số. Nghị quyết yêu cầu "
        "phát triển đồng bộ, hợp lý các loại nguồn năng lượng, ưu tiên năng lượng tái tạo và năng lượng "
        "mới, hiện đại hóa lưới điện truyền tải, thúc đẩy sử dụng năng lượng tiết kiệm, hiệu quả và hoàn "
        "thiện thị trường năng lượng cạnh tranh, minh bạch.",
        "Ban Chỉ đạo thực hiện Nghị quyết số 70-NQ/TW về an ninh năng lượng quốc gia",
    ),
    ResolutionInfo(
        "71-NQ/TW",
        dt.date(2025, 8, 22),
        "Nghị quyết về đột phá phát triển giáo dục và đào tạo",
        "đột phá phát triển giáo dục và đào tạo",
        "Khẳng định giáo dục và đào tạo là quốc sách hàng đầu, quyết định tương lai dân tộc. Nghị quyết "
        "đặt mục tiêu đến năm 2030 hoàn thành phổ cập giáo dục mầm non cho trẻ từ 3 đến 5 tuổi và phổ cập "
        "giáo dục bắt buộc hết trung học cơ sở; miễn học phí cho học sinh phổ thông công lập; bảo đảm đủ "
        "giáo viên, từng bước đưa tiếng Anh trở thành ngôn ngữ thứ hai trong trường học và chuyển đổi số "
        "toàn diện trong giáo dục.",
        "Ban Chỉ đạo thực hiện Nghị quyết số 71-NQ/TW về phát triển giáo dục và đào tạo",
    ),
    ResolutionInfo(
        "72-NQ/TW",
        dt.date(2025, 9, 9),
        "Nghị quyết về một số giải pháp đột phá, tăng cường bảo vệ, chăm sóc và nâng cao sức khỏe nhân dân",
        "một số giải pháp đột phá, tăng cường bảo vệ, chăm sóc và nâng cao sức khỏe nhân dân",
        "Đặt mục tiêu nâng cao sức khỏe thể chất, tinh thần, tầm vóc và tuổi thọ khỏe mạnh của người dân. "
        "Nghị quyết yêu cầu chuyển mạnh từ chữa bệnh sang phòng bệnh, mỗi người dân được khám sức khỏe định "
        "kỳ hoặc khám sàng lọc miễn phí ít nhất mỗi năm một lần và có hồ sơ sức khỏe điện tử; từng bước "
        "miễn viện phí trong phạm vi bảo hiểm y tế cơ bản; củng cố y tế cơ sở và phát triển nhân lực y tế.",
        "Ban Chỉ đạo thực hiện Nghị quyết số 72-NQ/TW về chăm sóc sức khỏe nhân dân",
    ),
)

# The two or three resolutions each ministry or ministerial-level agency issues a programme for.
MINISTRY_RESOLUTIONS = {
    "BQP": ("57-NQ/TW", "59-NQ/TW"),
    "BCA": ("57-NQ/TW", "66-NQ/TW"),
    "BNG": ("59-NQ/TW", "66-NQ/TW"),
    "BNV": ("57-NQ/TW", "66-NQ/TW", "71-NQ/TW"),
    "BTP": ("66-NQ/TW", "68-NQ/TW"),
    "BTC": ("68-NQ/TW", "59-NQ/TW", "70-NQ/TW"),
    "BCT": ("70-NQ/TW", "59-NQ/TW", "68-NQ/TW"),
    "BNNMT": ("70-NQ/TW", "59-NQ/TW"),
    "BXD": ("70-NQ/TW", "68-NQ/TW"),
    "BVHTTDL": ("59-NQ/TW", "57-NQ/TW"),
    "BKHCN": ("57-NQ/TW", "68-NQ/TW", "71-NQ/TW"),
    "BGDDT": ("71-NQ/TW", "57-NQ/TW"),
    "BYT": ("72-NQ/TW", "57-NQ/TW"),
    "BDTTG": ("71-NQ/TW", "72-NQ/TW"),
    "NHNN": ("68-NQ/TW", "59-NQ/TW", "57-NQ/TW"),
    "TTCP": ("66-NQ/TW", "68-NQ/TW"),
    "VPCP": ("57-NQ/TW", "66-NQ/TW"),
}

# The provincial department that mirrors a ministry (a ministry's task may ask them to coordinate).
MINISTRY_DEPARTMENT = {
    "BNV": "SNV",
    "BTC": "STC",
    "BKHCN": "SKHCN",
    "BGDDT": "SGDDT",
    "BYT": "SYT",
    "BCT": "SCT",
    "BTP": "STP",
    "BNNMT": "SNNMT",
}


def create_resolutions() -> dict[str, Resolution]:
    """The seven resolutions (marked as demo data) and a steering committee for each."""
    resolutions = Resolution.objects.bulk_create(
        [
            Resolution(
                number=info.number,
                title=info.title,
                issued_on=info.issued_on,
                issuer="Bộ Chính trị",
                summary=info.summary,
                is_demo=True,
            )
            for info in RESOLUTIONS
        ]
    )
    SteeringCommittee.objects.bulk_create(
        [
            SteeringCommittee(resolution=res, name=info.committee)
            for res, info in zip(resolutions, RESOLUTIONS, strict=True)
        ]
    )
    return {res.number: res for res in resolutions}

"""Synthetic names: communes built from common place-name syllables, people from common
family, middle and given names, and the split of the 3,321 commune-level units over the
34 provinces. Everything here is deterministic for a given seed."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

PLACE_SYLLABLES = (
    "Tân", "An", "Phú", "Hòa", "Bình", "Thạnh", "Long", "Mỹ", "Đông", "Tây", "Nam", "Bắc",
    "Hưng", "Thịnh", "Phước", "Lộc", "Thuận", "Hiệp", "Vĩnh", "Xuân", "Thanh", "Quang",
    "Trung", "Hải", "Sơn", "Lâm", "Minh", "Đức", "Tiến", "Hợp", "Thành", "Khánh",
)  # fmt: skip

FAMILY_NAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Lương", "Mai",
)  # fmt: skip
MALE_MIDDLE = ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Xuân", "Công", "Anh", "Quang")
FEMALE_MIDDLE = ("Thị", "Ngọc", "Thu", "Hồng", "Thanh", "Minh", "Kim", "Phương")
MALE_GIVEN = (
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam",
    "Phong", "Phúc", "Quang", "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Hiếu", "Thành",
)  # fmt: skip
FEMALE_GIVEN = (
    "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Thảo", "Vân", "Yến",
    "Trang", "Huyền", "Hoa", "Nhung", "Oanh", "Quỳnh",
)  # fmt: skip

COMMUNE, WARD, SPECIAL_ZONE = "commune", "ward", "special_zone"
ADMIN_WORD = {COMMUNE: "xã", WARD: "phường", SPECIAL_ZONE: "đặc khu"}

# Totals of commune-level units in force since 1 July 2025.
TOTALS = {COMMUNE: 2621, WARD: 687, SPECIAL_ZONE: 13}

# Special zones exist only on islands of coastal provinces (13 in all).
SPECIAL_ZONES_BY_PROVINCE = {
    "QNH": 2,
    "HPG": 2,
    "AGG": 3,
    "QNI": 1,
    "DNG": 1,
    "KHA": 1,
    "HCM": 1,
    "LDG": 1,
    "QTI": 1,
}


def ascii_fold(text: str) -> str:
    """'Thành phố Hồ Chí Minh' -> 'Thanh pho Ho Chi Minh'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def person_name(rng: random.Random) -> str:
    family = rng.choice(FAMILY_NAMES)
    if rng.random() < 0.35:
        return f"{family} {rng.choice(FEMALE_MIDDLE)} {rng.choice(FEMALE_GIVEN)}"
    return f"{family} {rng.choice(MALE_MIDDLE)} {rng.choice(MALE_GIVEN)}"


def place_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct two-syllable place names (e.g. "Tân Phú", "Hòa Long")."""
    pairs = [f"{a} {b}" for a in PLACE_SYLLABLES for b in PLACE_SYLLABLES if a != b]
    if count > len(pairs):
        raise ValueError(f"cannot make {count} distinct names from {len(pairs)} syllable pairs")
    rng.shuffle(pairs)
    return pairs[:count]


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` whose sum is exactly ``total``."""
    weight_sum = sum(weights)
    quotas = [total * w / weight_sum for w in weights]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass(frozen=True)
class ProvinceShape:
    code: str
    is_city: bool
    former_count: int


def commune_split(provinces: Sequence[ProvinceShape]) -> dict[str, dict[str, int]]:
    """Communes, wards and special zones per province: roughly proportional to the number of
    former provinces each was formed from; cities get more wards and fewer communes."""
    wards = largest_remainder(TOTALS[WARD], [p.former_count * (4.0 if p.is_city else 1.0) for p in provinces])
    communes = largest_remainder(
        TOTALS[COMMUNE], [p.former_count * (0.6 if p.is_city else 1.0) for p in provinces]
    )
    return {
        p.code: {
            COMMUNE: communes[i],
            WARD: wards[i],
            SPECIAL_ZONE: SPECIAL_ZONES_BY_PROVINCE.get(p.code, 0),
        }
        for i, p in enumerate(provinces)
    }

"""Benchmark: the Excel round trip of a 2,000-row action programme (figures to read, not asserts).

Builds a throw-away SQLite database (a province, its People's Committee, 60 communes, a focal
officer, one programme), then times:
  1. importing a 2,000-row file into the empty programme (creates every task);
  2. exporting the programme (2,000 rows);
  3. importing the exported file unchanged (the no-op round trip);
  4. importing it with 200 rows edited.

Run: .venv/bin/python bench/planning_excel.py [--rows N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(db_path: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = db_path
    os.environ.setdefault("RESMON_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resmon.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(rows: int):
    from resmon.accounts.models import User
    from resmon.agencies.models import Agency, AgencyKind, Level
    from resmon.core.access import Role
    from resmon.planning.models import ActionProgram, Resolution

    province = Agency.objects.add_root(
        {
            "code": "BENCH",
            "name": "Tỉnh ủy Thử nghiệm",
            "kind": AgencyKind.PROVINCIAL_PARTY,
            "level": Level.PROVINCE,
        }
    )
    province.refresh_from_db()
    ubnd = Agency.objects.add_child(
        province,
        dict(
            code="BENCH-UBND",
            name="UBND tỉnh Thử nghiệm",
            kind=AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE,
            level=Level.PROVINCE,
        ),
    )
    communes = []
    for i in range(1, 61):
        province.refresh_from_db()
        communes.append(
            Agency.objects.add_child(
                province,
                dict(
                    code=f"BENCH-X{i}",
                    name=f"Đảng ủy xã Thử nghiệm {i}",
                    kind=AgencyKind.COMMUNE_PARTY,
                    level=Level.COMMUNE,
                ),
            )
        )
    officer = User(
        username="daumoi.bench", agency=province, role=Role.FOCAL_OFFICER, full_name="Cán bộ đầu mối"
    )
    officer.set_password("bench-pass-123")
    officer.save()
    res = Resolution.objects.create(
        number="57-NQ/TW", title="Nghị quyết thử nghiệm", issued_on=dt.date(2024, 12, 22)
    )
    program = ActionProgram.objects.create(
        resolution=res, agency=province, title="Chương trình hành động (thử)"
    )
    return officer, program, ubnd, communes


def workbook(rows: int, ubnd, communes) -> bytes:
    from openpyxl import Workbook

    from resmon.planning import excel_format as fmt

    wb = Workbook()
    ws = wb.active
    ws.title = fmt.SHEET_TASKS
    headers = [c.header for c in fmt.COLUMNS]
    for i, header in enumerate(headers, start=1):
        ws.cell(row=fmt.HEADER_ROW, column=i, value=header)
    per_parent = 20
    r = fmt.FIRST_DATA_ROW
    made = 0
    top = 0
    while made < rows:
        top += 1
        values = [
            str(top),
            f"Nhiệm vụ lớn số {top}",
            ubnd.code,
            "Nguyễn Văn A",
            "",
            "",
            "31/12/2027",
            "",
            "Kế hoạch, chương trình",
            "Kế hoạch triển khai",
            "UBND tỉnh",
            1,
        ]
        for i, v in enumerate(values, start=1):
            ws.cell(row=r, column=i, value=v)
        r += 1
        made += 1
        for k in range(1, per_parent):
            if made >= rows:
                break
            commune = communes[(top * per_parent + k) % len(communes)]
            other = communes[(top * per_parent + k + 1) % len(communes)]
            values = [
                f"{top}.{k}",
                f"Triển khai nội dung {k} của nhiệm vụ {top} tại xã",
                commune.code,
                "Trần Thị B",
                other.code,
                "Số liệu phối hợp",
                "30/06/2027",
                "Hằng quý",
                "Báo cáo",
                "Báo cáo kết quả",
                "UBND xã",
                1,
            ]
            for i, v in enumerate(values, start=1):
                ws.cell(row=r, column=i, value=v)
            r += 1
            made += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<48} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(str(Path(tmp) / "bench.sqlite3"))
        from openpyxl import load_workbook

        from resmon.planning import excel_format as fmt
        from resmon.planning.services import excel

        officer, program, ubnd, communes = build(args.rows)
        data = workbook(args.rows, ubnd, communes)
        print(f"Excel round trip of a {args.rows}-row programme (SQLite, {len(data) // 1024} KB file)")
        s = timed("import, creating every task", lambda: excel.import_program(officer, program, data))
        assert len(s.created) == args.rows, len(s.created)
        exported = timed("export", lambda: excel.export_program(officer, program))
        s = timed(
            "import of the exported file, unchanged", lambda: excel.import_program(officer, program, exported)
        )
        assert len(s.unchanged) == args.rows and not s.updated, (len(s.unchanged), len(s.updated))
        wb = load_workbook(io.BytesIO(exported))
        ws = wb[fmt.SHEET_TASKS]
        for r in range(fmt.FIRST_DATA_ROW, fmt.FIRST_DATA_ROW + args.rows, 10):
            ws.cell(row=r, column=2, value=f"{ws.cell(row=r, column=2).value} (sửa)")
        out = io.BytesIO()
        wb.save(out)
        s = timed(
            f"import with {args.rows // 10} rows edited",
            lambda: excel.import_program(officer, program, out.getvalue()),
        )
        assert len(s.updated) == args.rows // 10, len(s.updated)


if __name__ == "__main__":
    main()

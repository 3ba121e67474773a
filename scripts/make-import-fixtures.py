#!/usr/bin/env python3
"""Regenerates fixtures/import/: a finance clerk's payment export as the tools that write them
in practice write it, for tests/import_*.rs.

- CSV as Excel on Chinese Windows saves it: "CSV (逗号分隔)" is GBK with CRLF and no BOM,
  "CSV UTF-8" is UTF-8 with a BOM and CRLF, "Unicode 文本" is UTF-16LE with a BOM, tabs and
  CRLF. Amounts are written as displayed (thousands separators, quoted where they hold a
  comma), the title row padded with empty fields to the header's width.
- XLSX written by openpyxl (date cells, number cells, a merged title row, a second sheet).
- XLSX, XLS and ODS written by LibreOffice (`soffice --headless --convert-to`) from an
  openpyxl workbook whose 合计 is a SUM formula, which LibreOffice computes and stores.

Every figure is in ROWS below; the tests state the same figures. Run from the repository root:
    python3 scripts/make-import-fixtures.py
Needs python3 with openpyxl, and soffice (LibreOffice) for the .xls/.ods/LibreOffice .xlsx.
"""

import csv
import datetime
import io
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

import openpyxl

# IMPORT_FIXTURES_OUT writes them elsewhere (the test that regenerates them does).
OUT = os.environ.get("IMPORT_FIXTURES_OUT", os.path.join("fixtures", "import"))
TITLE = "2022年支出明细表"
HEADER = ["序号", "日期", "凭证号", "摘要", "资金来源", "支出类型", "项目", "金额（元）"]
# 序号, date, 凭证号, 摘要, 资金来源, 支出类型, 项目, 金额（元）
ROWS = [
    (1, datetime.date(2022, 1, 18), "记-0012", "1月工资发放", "一般公共预算", "人员经费", "", "186420.00"),
    (2, datetime.date(2022, 2, 10), "记-0027", "购买办公用品", "一般公共预算", "公用经费", "", "3280.50"),
    (3, datetime.date(2022, 3, 15), "记-0041", "差旅费报销", "一般公共预算", "公用经费", "", "2456.70"),
    (4, datetime.date(2022, 4, 8), "记-0058", "印刷普法宣传资料", "一般公共预算", "项目支出", "普法宣传", "12000.00"),
    (5, datetime.date(2022, 5, 20), "记-0073", "水电费", "一般公共预算", "公用经费", "", "1925.36"),
    (6, datetime.date(2022, 6, 30), "记-0096", "6月工资发放", "一般公共预算", "人员经费", "", "186420.00"),
    (7, datetime.date(2022, 8, 12), "记-0118", "会议费", "一般公共预算", "公用经费", "", "8600.00"),
    (8, datetime.date(2022, 9, 26), "记-0140", "办公楼维修", "单位资金", "公用经费", "", "4350.00"),
    (9, datetime.date(2022, 11, 3), "记-0167", "普法专项调研", "一般公共预算", "项目支出", "普法宣传", "25000.00"),
    (10, datetime.date(2022, 12, 20), "记-0189", "邮电费", "一般公共预算", "公用经费", "", "987.44"),
]
TOTAL = sum(Decimal(r[7]) for r in ROWS)  # 431440.00
WRONG_TOTAL = TOTAL - Decimal("40.00")


def shown(amount):
    """An amount as a cell formatted #,##0.00 shows it."""
    return f"{Decimal(amount):,.2f}"


def excel_date(d):
    """A date as Excel on Chinese Windows shows a date cell (yyyy/m/d)."""
    return f"{d.year}/{d.month}/{d.day}"


def table(total, date=excel_date):
    width = len(HEADER)
    out = [[TITLE] + [""] * (width - 1), HEADER]
    for r in ROWS:
        out.append([str(r[0]), date(r[1]), r[2], r[3], r[4], r[5], r[6], shown(r[7])])
    out.append(["合计"] + [""] * (width - 2) + [shown(total)])
    return out


def csv_text(rows, delimiter=","):
    buf = io.StringIO()
    # Excel quotes only fields that need it and ends lines with CRLF.
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerows(rows)
    return buf.getvalue()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def workbook(total_formula):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2022年支出明细"
    ws.append([TITLE])
    ws.merge_cells("A1:H1")
    ws.append(HEADER)
    for r in ROWS:
        ws.append([r[0], r[1], r[2], r[3], r[4], r[5], r[6] or None, float(Decimal(r[7]))])
        row = ws.max_row
        ws.cell(row=row, column=2).number_format = "yyyy/m/d"
        ws.cell(row=row, column=8).number_format = "#,##0.00"
    last = ws.max_row
    total = f"=SUM(H3:H{last})" if total_formula else float(TOTAL)
    ws.append(["合计", None, None, None, None, None, None, total])
    ws.cell(row=ws.max_row, column=8).number_format = "#,##0.00"
    notes = wb.create_sheet("说明")
    notes.append(["本表由财务室导出"])
    return wb


def main():
    os.makedirs(OUT, exist_ok=True)
    write("clerk-gbk.csv", csv_text(table(TOTAL)).encode("gbk"))
    write("clerk-utf8-bom.csv", b"\xef\xbb\xbf" + csv_text(table(TOTAL)).encode("utf-8"))
    write("clerk-utf16.txt", csv_text(table(TOTAL), "\t").encode("utf-16"))  # BOM + LE
    write("clerk-wrong-total.csv", csv_text(table(WRONG_TOTAL)).encode("gbk"))

    # Three bad rows in one file: a date that does not exist, a misplaced thousands
    # separator, an unknown fund source.
    bad = table(TOTAL)
    bad[3][1] = "2022/2/30"
    bad[5][7] = "12,00.00"
    bad[7][4] = "一般预算"
    write("clerk-bad-rows.csv", csv_text(bad).encode("gbk"))

    # Payments in 万元 with Excel serial dates (44583 = 2022-01-22, 44742 = 2022-06-30),
    # full-width digits and no 类型 column.
    wan = [
        ["日期", "用途", "资金性质", "支出类别", "执行数（万元）"],
        ["44583", "购买办公用品", "一般公共预算", "公用经费", "０．３２８０５"],
        ["44742", "6月工资发放", "一般公共预算", "人员经费", "18.642"],
    ]
    write("payments-wan.csv", "\n".join(",".join(r) for r in wan).encode("utf-8") + b"\n")

    # A bank's export, read through a columns file.
    bank = [
        ["交易日期", "交易流水号", "附言", "付款金额"],
        ["2022-07-01", "BK2022070100017", "物业费", "5,600.00"],
        ["2022-07-15", "BK2022071500231", "网络服务费", "1,200.00"],
    ]
    write("bank.csv", csv_text(bank).encode("utf-8"))
    write(
        "bank-columns.toml",
        (
            "# Columns of the bank's payment export (bank.csv).\n"
            "[columns]\n"
            "\"交易日期\" = \"date\"\n"
            "\"附言\" = \"reason\"\n"
            "\"付款金额\" = \"amount\"\n"
            "\"交易流水号\" = \"ignore\"\n"
            "[defaults]\n"
            "fund_source = \"一般公共预算\"\n"
            "expense_type = \"公用经费\"\n"
            "budget_kind = \"支出\"\n"
        ).encode("utf-8"),
    )

    wb = workbook(total_formula=False)
    wb.save(os.path.join(OUT, "clerk-openpyxl.xlsx"))

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("soffice (LibreOffice) not found: the LibreOffice fixtures were not made")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "clerk-formula.xlsx")
        workbook(total_formula=True).save(src)
        for ext in ["xlsx", "xls", "ods"]:
            outdir = os.path.join(tmp, ext)
            subprocess.run(
                [soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                 "--convert-to", ext, "--outdir", outdir, src],
                check=True, stdout=subprocess.DEVNULL,
            )
            shutil.copy(os.path.join(outdir, f"clerk-formula.{ext}"),
                        os.path.join(OUT, f"clerk-libreoffice.{ext}"))
    print(f"fixtures written to {OUT}; 合计 {TOTAL}, wrong 合计 {WRONG_TOTAL}")


if __name__ == "__main__":
    main()

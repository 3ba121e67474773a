#!/usr/bin/env python3
"""Writes N budget payments as CSV (the `import` spreadsheet format), spread over five budget
lines with random amounts and dates in 2022. Deterministic for a given N and seed.

usage: gen-payments.py N OUT.csv [SEED]
"""
import datetime
import random
import sys

LINES = [
    ("一般公共预算", "基本支出", ""),
    ("一般公共预算", "项目支出", "政务信息化"),
    ("一般公共预算", "项目支出", "机关运行"),
    ("政府性基金", "项目支出", "专项"),
    ("一般公共预算", "公用经费", ""),
]


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2022)
    start = datetime.date(2022, 1, 1)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("资金来源,支出类型,项目,类型,金额,日期,批文号,事由\n")
        for i in range(n):
            src, typ, proj = LINES[rng.randrange(len(LINES))]
            fen = rng.randrange(1, 1_000_000)
            day = start + datetime.timedelta(days=rng.randrange(365))
            f.write(f"{src},{typ},{proj},支出,{fen // 100}.{fen % 100:02d},{day.isoformat()},,凭证{i}\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes N budget payments as CSV (the `import` spreadsheet format), spread over six budget
lines (both fund sources, basic and project spending, with projects) with random amounts and
dates in 2022. Deterministic for a given N and seed.

With --journal J it also writes the same payments as an hledger journal (one transaction each,
dated as the payment, from the line's budget account to its spending account), and with
--git-stream G a `git fast-import` stream committing them one per commit (the payment as a
line appended to the line's file), so that a benchmark can time `hledger check` and
`git fsck --full` on the same history.

usage: gen-payments.py N OUT.csv [SEED] [--journal J] [--git-stream G]
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
    ("政府性基金", "项目支出", "城乡建设"),
]


def payments(n, seed):
    rng = random.Random(seed)
    start = datetime.date(2022, 1, 1)
    for i in range(n):
        line = LINES[rng.randrange(len(LINES))]
        fen = rng.randrange(1, 1_000_000)
        day = start + datetime.timedelta(days=rng.randrange(365))
        yield i, line, fen, day


def main():
    args = sys.argv[1:]
    opts = {}
    for flag in ("--journal", "--git-stream"):
        if flag in args:
            k = args.index(flag)
            opts[flag] = args[k + 1]
            del args[k : k + 2]
    n = int(args[0])
    out = args[1]
    seed = int(args[2]) if len(args) > 2 else 2022
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("资金来源,支出类型,项目,类型,金额,日期,批文号,事由\n")
        for i, (src, typ, proj), fen, day in payments(n, seed):
            f.write(f"{src},{typ},{proj},支出,{fen // 100}.{fen % 100:02d},{day.isoformat()},,凭证{i}\n")
    if "--journal" in opts:
        with open(opts["--journal"], "w", encoding="utf-8") as f:
            for i, (src, typ, proj), fen, day in payments(n, seed):
                acct = ":".join(p for p in (src, typ, proj) if p)
                f.write(
                    f"{day.isoformat()} 凭证{i}\n    支出:{acct}  {fen // 100}.{fen % 100:02d} CNY\n    预算:{acct}\n\n"
                )
    if "--git-stream" in opts:
        with open(opts["--git-stream"], "wb") as f:
            t = 1_640_995_200
            files = {}
            for i, (src, typ, proj), fen, day in payments(n, seed):
                name = "-".join(p for p in (src, typ, proj) if p) + ".csv"
                row = f"{day.isoformat()},{fen // 100}.{fen % 100:02d},凭证{i}\n".encode()
                files[name] = files.get(name, b"") + row if len(files.get(name, b"")) < 4096 else row
                data = files[name]
                msg = f"payment {i}".encode()
                f.write(b"commit refs/heads/main\n")
                f.write(f"committer bench <bench@example.org> {t + i} +0800\n".encode())
                f.write(b"data %d\n%s\n" % (len(msg), msg))
                if i == 0:
                    f.write(b"deleteall\n")
                f.write(b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(data), data))


if __name__ == "__main__":
    main()

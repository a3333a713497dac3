"""The broken data files people really send, for tests/cli/test_issue16_broken_inputs.py:
each as the bytes of a deals file (or a target sheet)."""
import io

DEALS = (b"deal_id,rep_id,close_date,amount,product,type\n",
         b"Z-1,ann,2026-02-10,%s,platform,%s\n")
SHEET = (b"who,kpi,period,value\n", b"ann,revenue,2026-04,%s\n%s\n")


def _xlsx_truncated(header: bytes) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header.decode().strip().split(","))
    for i in range(50):
        ws.append([f"x{i}"] * len(header.split(b",")))
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    return data[: len(data) // 2]  # a download cut short


def corpus(kind=DEALS) -> dict[str, tuple[str, bytes]]:
    """name -> (file suffix, bytes), for deals files (DEALS) or target sheets (SHEET);
    the row's last cell is a text one, for the encodings."""
    header, row = kind
    text = "rénew" if kind is DEALS else "# rénew"
    return {
        "empty": (".csv", b""),
        "header-only": (".csv", header),
        "binary": (".csv", bytes(range(256)) * 64),
        "latin-1": (".csv", header + row % (b"100", text.encode("latin-1"))),
        "utf-16": (".csv", (header + row % (b"100", b"new")).decode().encode("utf-16")),
        "xlsx-as-csv": (".csv", b"PK\x03\x04" + b"\x14\x00" * 40),
        "truncated-xlsx": (".xlsx", _xlsx_truncated(header)),
        "1e400": (".csv", header + row % (b"1e400", b"new")),
        "nan": (".csv", header + row % (b"NaN", b"new")),
        "10mb-line": (".csv", header + row % (b"100", b"x" * 10_000_000)),
        "unclosed-quote": (".csv", header + row % (b'"100', b"new") + (row % (b"1", b"new")) * 3),
    }

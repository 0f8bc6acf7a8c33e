from itertools import count

from gonghui.enterprises.credit_code import check_character

_serial = count(1)


def credit_code(serial: int | None = None) -> str:
    """A valid code with the Haidian division (110108) and a serial organisation code."""
    body = f"91110108{(serial or next(_serial)):09d}"
    return body + check_character(body)


def enterprise_name() -> str:
    return f"北京测试科技有限公司{next(_serial)}"

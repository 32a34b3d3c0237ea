import json
import logging

from portal.core import requestid
from portal.core.logging import JsonFormatter, RequestIdFilter


def test_json_lines_carry_request_id_and_extras():
    record = logging.makeLogRecord(
        {"name": "portal.test", "levelname": "INFO", "msg": "导入 %d 行", "args": (3,)}
    )
    record.rows = 3
    requestid.begin("req-12345678")
    try:
        RequestIdFilter().filter(record)
    finally:
        requestid.clear()
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "导入 3 行"
    assert entry["request_id"] == "req-12345678"
    assert entry["rows"] == 3
    assert entry["level"] == "INFO"

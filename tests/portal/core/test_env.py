import pytest

from portal import env


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("False", False), ("1", True), ("0", False), ("ON", True), ("no", False)],
)
def test_bool_parses_words_not_truthiness(monkeypatch, raw, expected):
    monkeypatch.setenv("EXAMPLE_FLAG", raw)
    assert env.get_bool("EXAMPLE_FLAG") is expected


def test_bool_rejects_a_typo(monkeypatch):
    monkeypatch.setenv("EXAMPLE_FLAG", "Flase")
    with pytest.raises(env.ConfigError, match="EXAMPLE_FLAG='Flase' is not a boolean"):
        env.get_bool("EXAMPLE_FLAG")


def test_missing_required_value_names_the_variable(monkeypatch):
    monkeypatch.delenv("EXAMPLE_FLAG", raising=False)
    with pytest.raises(env.ConfigError, match="EXAMPLE_FLAG is required when it matters"):
        env.get_str("EXAMPLE_FLAG", why=" when it matters")


def test_int_and_list_and_choice(monkeypatch):
    monkeypatch.setenv("EXAMPLE_COUNT", "12")
    monkeypatch.setenv("EXAMPLE_HOSTS", " a.gov.cn, ,b.gov.cn ")
    monkeypatch.setenv("EXAMPLE_FORMAT", "Text")
    assert env.get_int("EXAMPLE_COUNT", 3) == 12
    assert env.get_list("EXAMPLE_HOSTS") == ["a.gov.cn", "b.gov.cn"]
    assert env.get_choice("EXAMPLE_FORMAT", ("json", "text"), "json") == "text"
    monkeypatch.setenv("EXAMPLE_COUNT", "twelve")
    with pytest.raises(env.ConfigError, match="not a whole number"):
        env.get_int("EXAMPLE_COUNT", 3)
    monkeypatch.setenv("EXAMPLE_FORMAT", "xml")
    with pytest.raises(env.ConfigError, match="must be one of: json, text"):
        env.get_choice("EXAMPLE_FORMAT", ("json", "text"), "json")


@pytest.mark.parametrize(
    ("raw", "expected"), [("0.5", 0.5), ("2", 2.0), (" 1e1 ", 10.0), ("", 3.0)]
)
def test_float_reads_decimal_numbers(monkeypatch, raw, expected):
    monkeypatch.setenv("EXAMPLE_RATIO", raw)
    assert env.get_float("EXAMPLE_RATIO", 3.0, minimum=0) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("half", "is not a number"),
        ("nan", "is not a finite number"),
        ("inf", "is not a finite number"),
        ("-0.1", "must be a number of at least 0"),
    ],
)
def test_float_refuses_what_is_not_a_usable_number(monkeypatch, raw, message):
    monkeypatch.setenv("EXAMPLE_RATIO", raw)
    with pytest.raises(env.ConfigError, match=f"EXAMPLE_RATIO=.*{message}"):
        env.get_float("EXAMPLE_RATIO", 3.0, minimum=0)


def test_database_url_parts_and_redaction():
    url = env.parse_database_url("postgresql://officer:s%40cret@db.intra:6432/atlas")
    assert (url.user, url.password, url.host, url.port, url.name) == (
        "officer",
        "s@cret",
        "db.intra",
        "6432",
        "atlas",
    )
    assert url.redacted() == "postgresql://officer@db.intra:6432/atlas"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///db.sqlite3", "must start with postgresql://"),
        ("postgresql://u@h:5432/", "names no database"),
        ("postgresql://u@h:port/db", "port that is not a number"),
    ],
)
def test_database_url_errors(url, message):
    with pytest.raises(env.ConfigError, match=message):
        env.parse_database_url(url)


def test_json_parses_structures_and_names_the_variable_on_error(monkeypatch):
    monkeypatch.setenv("EXAMPLE_JSON", '[{"name": "a"}]')
    assert env.get_json("EXAMPLE_JSON", default=[]) == [{"name": "a"}]
    monkeypatch.setenv("EXAMPLE_JSON", " ")
    assert env.get_json("EXAMPLE_JSON", default=[]) == []
    monkeypatch.setenv("EXAMPLE_JSON", "[{'name': 'a'}]")
    with pytest.raises(env.ConfigError, match="EXAMPLE_JSON is not valid JSON"):
        env.get_json("EXAMPLE_JSON", default=[])

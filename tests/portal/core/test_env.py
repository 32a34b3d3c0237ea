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

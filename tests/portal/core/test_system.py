from portal.core import bootstrap, system


def test_postgis_pairs_with_the_installed_server():
    assert system.postgresql_version("Depends: postgresql-16\n", ["15"]) == "15"
    assert system.postgresql_version("", ["13", "15"]) == "15"


def test_postgis_pairs_with_the_distribution_default_when_none_is_installed():
    depends = "postgresql\n  Depends: postgresql-15\n  Depends: postgresql-common\n"
    assert system.postgresql_version(depends, []) == "15"
    assert system.postgresql_version("", []) is None


def test_external_database_needs_no_server_packages():
    packages = system.wanted(with_tests=False, external_db=True)
    assert not any(p.startswith("postgresql") for p in packages)
    assert "gdal-bin" in packages


def test_other_hosts_are_pointed_to_docker(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(system, "DEBIAN_MARKER", tmp_path / "debian_version")
    assert system.main([]) == 1
    assert "docker compose up" in capsys.readouterr().err


def test_test_template_name():
    assert bootstrap.template_name("tianfu") == "tianfu_template"

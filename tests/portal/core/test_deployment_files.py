"""docker-compose.yml cannot run here (no Docker engine), so its promises are checked as data."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCUMENTED = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))


def test_services_are_postgis_web_and_worker_with_healthchecks():
    services = COMPOSE["services"]
    assert set(services) == {"db", "web", "worker"}
    assert services["db"]["image"].startswith("postgis/postgis:15-3")
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert services["web"]["build"] == "."
    assert services["worker"]["image"] == services["web"]["image"]
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_data_and_uploads_live_in_volumes():
    assert set(COMPOSE["volumes"]) == {"pgdata", "uploads"}
    assert "pgdata:/var/lib/postgresql/data" in COMPOSE["services"]["db"]["volumes"]
    for name in ("web", "worker"):
        service = COMPOSE["services"][name]
        assert "uploads:/var/lib/tianfu/media" in service["volumes"]
        assert service["environment"]["TIANFU_MEDIA_ROOT"] == "/var/lib/tianfu/media"


def test_every_compose_variable_is_documented():
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert used, "compose file interpolates no variables?"
    assert used <= DOCUMENTED, used - DOCUMENTED


def test_every_variable_the_code_reads_is_documented():
    pattern = re.compile(r"""["']((?:TIANFU|DATABASE)_[A-Z0-9_]+)["']""")
    read = set()
    sources = [*ROOT.joinpath("portal").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py")]
    for path in sources:
        read |= set(pattern.findall(path.read_text()))
    assert "TIANFU_SECRET_KEY" in read
    assert read <= DOCUMENTED, read - DOCUMENTED


@pytest.mark.parametrize("name", ["web", "worker"])
def test_app_services_run_in_production_mode(name):
    environment = COMPOSE["services"][name]["environment"]
    assert environment["TIANFU_MODE"] == "production"
    assert "TIANFU_SECRET_KEY:?" in environment["TIANFU_SECRET_KEY"]  # refuses to start without


def test_dockerfile_installs_the_pinned_set():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c constraints.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert re.search(r"^USER (?!root)", dockerfile, re.M)

"""The costs admin: figures, rounds and returns are read there in the user's scope and never
written (the return's pages enforce the rules); energy factors are reference data."""

import pytest
from django.urls import reverse

from portal.costs.models import EnergyFactor
from portal.org.choices import Role
from tests.factories import UserFactory
from tests.portal.costs.factories import BasisFactory, BudgetFactory, CostRecordFactory
from tests.portal.costs.records_world import make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory", "model"),
    [(CostRecordFactory, "costrecord"), (BudgetFactory, "costbudget"), (BasisFactory, "costbasis")],
)
def test_figures_are_read_only_and_scoped(client, factory, model):
    w = make_world()
    row = factory(unit=w.unit)
    client.force_login(w.admin)
    assert client.get(reverse(f"admin:costs_{model}_changelist")).status_code == 200
    page = client.get(reverse(f"admin:costs_{model}_change", args=[row.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.get(reverse(f"admin:costs_{model}_add")).status_code == 403
    assert client.post(reverse(f"admin:costs_{model}_delete", args=[row.pk])).status_code == 403
    client.force_login(w.other_admin)
    hidden = client.get(reverse(f"admin:costs_{model}_change", args=[row.pk]))
    assert hidden.status_code == 302  # out of scope: the admin says it does not exist


def test_returns_are_read_only_with_their_steps(client):
    w = make_world()
    client.force_login(w.admin)
    page = client.get(reverse("admin:costs_costreturn_change", args=[w.cost_return.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    client.force_login(w.other_admin)
    hidden = client.get(reverse("admin:costs_costreturn_change", args=[w.cost_return.pk]))
    assert hidden.status_code == 302


def test_energy_factors_are_changed_by_province_administrators_only(client):
    # Seeded by a migration, but a transactional test run before may have flushed it.
    factor, _ = EnergyFactor.objects.get_or_create(
        category="electricity", defaults={"unit": "kWh", "kgce_per_unit": "0.1229"}
    )
    url = reverse("admin:costs_energyfactor_change", args=[factor.pk])
    w = make_world()
    client.force_login(UserFactory(role=Role.PROVINCE_ADMIN, unit=w.own_unit))
    assert client.get(url).context["has_change_permission"] is True
    client.force_login(w.admin)
    assert client.get(url).context["has_change_permission"] is False

"""Saved analyses: depot coverage and depot siting scenarios, each run in the background."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.depots.choices import RunStatus, SiteSource, SitingModel
from portal.depots.models.registry import Depot
from portal.depots.querysets import AnalysisQuerySet, CoverageChildQuerySet, ScenarioSiteQuerySet


class AnalysisRun(models.Model):
    """What every background run records: who asked, for which unit, and how far it got."""

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "org.AdminDivision",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The province, city or county analysed."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus, default=RunStatus.QUEUED
    )
    progress = models.FloatField(
        _("progress"), default=0, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    progress_message = models.CharField(_("stage"), max_length=200, blank=True, default="")
    error = models.TextField(_("error"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = AnalysisQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class CoverageAnalysis(AnalysisRun):
    """Who is within reach of the region's emergency depots, by radius and by travel time."""

    radius_km = models.DecimalField(
        _("radius (km)"), max_digits=6, decimal_places=1, validators=[MinValueValidator(1)]
    )
    minutes = models.PositiveIntegerField(
        _("travel time (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(720)]
    )
    total_population = models.FloatField(_("population"), null=True, blank=True)
    covered_radius = models.FloatField(_("covered by radius"), null=True, blank=True)
    covered_time = models.FloatField(_("covered by travel time"), null=True, blank=True)
    supplies = models.JSONField(
        _("supplies per covered person"),
        default=list,
        blank=True,
        help_text=_("Per supply class: quantity held, covered people, quantity per 1,000."),
    )

    class Meta(AnalysisRun.Meta):
        verbose_name = _("coverage analysis")
        verbose_name_plural = _("coverage analyses")

    def get_absolute_url(self) -> str:
        return reverse("depots:coverage_detail", args=[self.pk])


class DepotCoverage(models.Model):
    """One depot's service areas in an analysis and the people inside them."""

    analysis = models.ForeignKey(
        CoverageAnalysis, on_delete=models.CASCADE, related_name="depot_rows"
    )
    # A finished analysis is a record of its day: a depot it counted cannot be deleted under it.
    depot = models.ForeignKey(
        Depot, verbose_name=_("depot"), on_delete=models.PROTECT, related_name="+"
    )
    radius_area = models.MultiPolygonField(_("area within radius"), srid=4490)
    time_area = models.MultiPolygonField(
        _("area within travel time"), srid=4490, null=True, blank=True
    )
    population_radius = models.FloatField(_("people within radius"))
    population_time = models.FloatField(_("people within travel time"))

    objects = CoverageChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("depot coverage")
        verbose_name_plural = _("depot coverage")
        ordering = ["analysis", "depot"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "depot"], name="depots_coverage_depot")
        ]


class CountyCoverage(models.Model):
    """A county's people, how many are covered, and where the uncovered live (the gap map)."""

    analysis = models.ForeignKey(
        CoverageAnalysis, on_delete=models.CASCADE, related_name="county_rows"
    )
    division = models.ForeignKey(
        "org.AdminDivision", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    population = models.FloatField(_("population"))
    covered_radius = models.FloatField(_("covered by radius"))
    covered_time = models.FloatField(_("covered by travel time"))
    gap = models.MultiPolygonField(_("uncovered area"), srid=4490, null=True, blank=True)

    objects = CoverageChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("county coverage")
        verbose_name_plural = _("county coverage")
        ordering = ["analysis", "division"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "division"], name="depots_coverage_county")
        ]

    @property
    def uncovered(self) -> float:
        return max(self.population - self.covered_time, 0.0)


class SitingScenario(AnalysisRun):
    """One location-allocation run: its inputs, the solver's verdict and the sites chosen.

    Coverage is by geodesic ``radius_km`` or by terrain travel ``minutes`` (exactly one).
    Existing emergency depots in the region are fixed open when ``keep_existing`` is set and
    are not counted in ``p``.
    """

    model = models.CharField(_("model"), max_length=10, choices=SitingModel)
    p = models.PositiveIntegerField(
        _("new sites (p)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    radius_km = models.DecimalField(
        _("radius (km)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    minutes = models.PositiveIntegerField(
        _("travel time (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(720)],
    )
    grid_km = models.DecimalField(
        _("demand grid (km)"),
        max_digits=4,
        decimal_places=1,
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    keep_existing = models.BooleanField(_("keep existing depots"), default=True)
    use_county_seats = models.BooleanField(_("county seats as candidates"), default=True)
    use_idle_buildings = models.BooleanField(_("idle buildings as candidates"), default=True)
    use_parcels = models.BooleanField(_("registry parcels as candidates"), default=False)
    drawn_sites = models.MultiPointField(
        _("sites drawn by the planner"), srid=4490, null=True, blank=True
    )
    use_capacities = models.BooleanField(_("respect depot capacities"), default=False)
    weight_by_hazard = models.BooleanField(
        _("weight people by seismic hazard (illustrative)"),
        default=False,
        help_text=_("People in the illustrative hazard zones count their zone's weight."),
    )
    time_limit_s = models.PositiveIntegerField(
        _("solver time limit (s)"),
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(3600)],
    )
    candidate_count = models.PositiveIntegerField(_("candidate sites"), null=True, blank=True)
    demand_cells = models.PositiveIntegerField(_("demand cells"), null=True, blank=True)
    solver_status = models.CharField(_("solver status"), max_length=30, blank=True, default="")
    objective = models.FloatField(_("objective"), null=True, blank=True)
    bound = models.FloatField(_("best bound"), null=True, blank=True)
    gap = models.FloatField(_("optimality gap"), null=True, blank=True)
    total_population = models.FloatField(_("population"), null=True, blank=True)
    covered_population = models.FloatField(_("covered population"), null=True, blank=True)
    mean_minutes = models.FloatField(_("mean travel time (min)"), null=True, blank=True)
    worst_minutes = models.FloatField(_("worst travel time (min)"), null=True, blank=True)
    mean_km = models.FloatField(_("mean distance (km)"), null=True, blank=True)
    worst_km = models.FloatField(_("worst distance (km)"), null=True, blank=True)
    solve_seconds = models.FloatField(_("solver time (s)"), null=True, blank=True)

    class Meta(AnalysisRun.Meta):
        verbose_name = _("siting scenario")
        verbose_name_plural = _("siting scenarios")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(radius_km__isnull=True) ^ models.Q(minutes__isnull=True),
                name="depots_scenario_radius_xor_minutes",
            ),
            models.CheckConstraint(
                condition=models.Q(model="lscp") | models.Q(p__isnull=False),
                name="depots_scenario_p_needed",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("depots:scenario_detail", args=[self.pk])

    @property
    def coverage_share(self) -> float | None:
        if not self.total_population or self.covered_population is None:
            return None
        return self.covered_population / self.total_population


class ScenarioSite(models.Model):
    """A site open in a scenario's solution: an existing depot kept, or a new one chosen."""

    scenario = models.ForeignKey(SitingScenario, on_delete=models.CASCADE, related_name="sites")
    source = models.CharField(_("source"), max_length=15, choices=SiteSource)
    is_new = models.BooleanField(_("new site"))
    label = models.CharField(_("site"), max_length=200)
    geom = models.PointField(_("location"), srid=4490)
    depot = models.ForeignKey(
        Depot, verbose_name=_("depot"), null=True, blank=True, on_delete=models.SET_NULL
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    parcel = models.ForeignKey(
        "parcels.Parcel",
        verbose_name=_("parcel"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    division = models.ForeignKey(
        "org.AdminDivision",
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    population_served = models.FloatField(_("people served"), default=0)

    objects = ScenarioSiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("scenario site")
        verbose_name_plural = _("scenario sites")
        ordering = ["scenario", "-is_new", "label"]

    def __str__(self) -> str:
        return self.label

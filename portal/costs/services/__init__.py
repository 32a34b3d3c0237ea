"""Writes of the costs app, one module per concern: the statistics rounds and their returns
(:mod:`.campaigns`), the indicators' bases (:mod:`.bases`), the figures (:mod:`.records`) and
the vehicle costs taken from the fleet (:mod:`.fleet_feed`). Each write runs inside
:func:`portal.core.services.writing` and raises the app's exceptions."""

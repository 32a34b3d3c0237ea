"""The demo loader's set-wise SQL: the public asset warehouse drawn from the assets already
written, and the fleet's last positions and odometers drawn from its fixes and trips. Statements
work on whole tables (a full load lists ~150,000 of 1,000,000 assets); parameters are named and
passed, never formatted into the text. "Random" choices are taken from the row ids, so a load
with the same seed gives the same warehouse.
"""

# Every synthetic, shareable asset whose ledger status says it is offered: idle, over-standard,
# low-efficiency or repairable assets are listed virtually (they stay where they are), those
# "in the warehouse" physically, stocked in the nearest public asset warehouse. Classified
# assets are never shared. Published within the last ``spread`` days; a listing whose screening
# period has ended unclaimed has moved to disposal, as the nightly job would have done.
# Stocked-in items that serve in disasters too (generators, radios…, named by asset name) are
# flagged dual use with their emergency supply class: they count as the depot's reserves.
LISTINGS = """
INSERT INTO assets_listing (synthetic, created_at, updated_at, asset_id, holder_id, reason,
    explanation, mode, depot_id, receipt_no, stocked_in_at, geom, division_id, category_id,
    condition, original_value, net_value, acquired_on, share_prefix, status, published_at,
    published_by_id, screening_ends_on, closed_at, reserve_category_id)
SELECT true, p.published_at, p.published_at, a.id, a.holder_id, p.reason,
       (%(explanations)s::text[])[p.reason_no], p.mode, w.id,
       CASE WHEN w.id IS NULL THEN '' ELSE 'RK-' || to_char(p.published_at, 'YYYYMMDD') || '-'
            || a.id END,
       CASE WHEN w.id IS NULL THEN NULL ELSE p.published_at END,
       coalesce(w.geom, a.geom), d.id, a.category_id, a.condition, a.original_value,
       a.net_value, a.acquired_on, left(d.code, 2),
       CASE WHEN a.status = 'reserved' THEN 'reserved'
            WHEN p.published_at::date + %(screening_days)s < %(today)s THEN 'disposal'
            ELSE 'published' END,
       p.published_at, NULL, p.published_at::date + %(screening_days)s, NULL,
       (SELECT s.id FROM depots_supplycategory s
          JOIN unnest(%(reserve_names)s::text[], %(reserve_codes)s::text[]) r(name, code)
            ON r.code = s.code
         WHERE w.id IS NOT NULL AND r.name = a.name)
  FROM assets_asset a
  JOIN org_unit u ON u.id = a.holder_id
  LEFT JOIN buildings_building b ON b.id = a.building_id
 CROSS JOIN LATERAL (
       SELECT CASE WHEN a.status IN ('in_warehouse', 'reserved') THEN 1 + a.id %% 4
                   ELSE array_position(%(reasons)s::text[], a.status::text) END AS reason_no,
              CASE WHEN a.status = 'in_warehouse' THEN 'physical' ELSE 'virtual' END AS mode,
              %(now)s::timestamptz - make_interval(days => ((a.id * 7919) %% %(spread)s)::int)
                  - make_interval(mins => ((a.id * 104729) %% 600)::int) AS published_at) q
 CROSS JOIN LATERAL (SELECT (%(reasons)s::text[])[q.reason_no] AS reason, q.*) p
  LEFT JOIN LATERAL (
       SELECT w.id, w.geom, w.division_id FROM depots_depot w
        WHERE p.mode = 'physical' AND w.kind IN ('warehouse', 'both')
        ORDER BY w.geom <-> a.geom LIMIT 1) w ON true
  JOIN org_admindivision d ON d.id = coalesce(w.division_id, b.division_id, u.division_id)
 WHERE a.synthetic AND a.geom IS NOT NULL
   AND a.confidentiality IN ('public', 'internal')
   AND a.status IN ('idle', 'over_standard', 'low_efficiency', 'repairable', 'in_warehouse',
                    'reserved')
   AND (a.status <> 'in_warehouse' OR EXISTS (
        SELECT 1 FROM depots_depot x WHERE x.kind IN ('warehouse', 'both')))
"""
# Physical listings were stocked in with their receipt.
STOCK_IN = """
INSERT INTO assets_custodyentry (asset_id, event, from_unit_id, to_unit_id, depot_id,
    reservation_id, disposal_item_id, document_no, by_id, at)
SELECT l.asset_id, 'stock_in', l.holder_id, NULL, l.depot_id, NULL, NULL, l.receipt_no, NULL,
       l.stocked_in_at
  FROM assets_listing l
 WHERE l.synthetic AND l.mode = 'physical'
"""
# A reserved listing awaits the first approval of a transfer to a unit whose building is among
# the nearest five not the holder's; its chain is the seeded category-free rule for its value.
RESERVATIONS = """
INSERT INTO assets_reservation (synthetic, created_at, updated_at, asset_id, listing_id,
    batch_id, need_id, from_unit_id, receiving_unit_id, delivery_building_id, value, status,
    chain, requested_by_id, handed_over_at, handed_over_by_id, note)
SELECT true, l.published_at + interval '2 days', l.published_at + interval '2 days', l.asset_id,
       l.id, NULL, NULL, l.holder_id, r.unit_id, r.building_id, l.net_value, 'pending',
       (SELECT rule.steps FROM assets_approvalrule rule
         WHERE rule.subject = 'transfer' AND rule.active AND rule.category_id IS NULL
           AND rule.min_value <= l.net_value
         ORDER BY rule.min_value DESC LIMIT 1),
       NULL, NULL, NULL, ''
  FROM assets_listing l
 CROSS JOIN LATERAL (
       SELECT b.managing_unit_id AS unit_id, b.id AS building_id FROM buildings_building b
        WHERE b.managing_unit_id <> l.holder_id
        ORDER BY b.geom <-> l.geom OFFSET l.id %% 5 LIMIT 1) r
 WHERE l.synthetic AND l.status = 'reserved'
"""
# One need in every ``every`` units with a building, for a category offered in the warehouse,
# delivered to the unit's first building; a share of them with a distance or same-city filter.
NEEDS = """
WITH offered AS (
    SELECT category_id, row_number() OVER (ORDER BY category_id) AS n, count(*) OVER () AS total
      FROM (SELECT DISTINCT category_id FROM assets_listing WHERE synthetic) c
), seats AS (
    SELECT DISTINCT ON (b.managing_unit_id) b.id, b.managing_unit_id
      FROM buildings_building b
     WHERE b.synthetic
     ORDER BY b.managing_unit_id, b.id
)
INSERT INTO assets_need (synthetic, created_at, updated_at, unit_id, category_id,
    include_subcategories, description, quantity, min_condition, needed_by, delivery_building_id,
    max_distance_m, same_city, same_county, status, created_by_id)
SELECT true, %(now)s, %(now)s, s.managing_unit_id, o.category_id, true, c.name, 1 + s.id %% 3,
       (ARRAY['fair', 'good', 'poor'])[1 + s.id %% 3],
       %(today)s::date + (14 + s.id %% 60)::int, s.id,
       (ARRAY[NULL, 20000, 50000, 100000])[1 + s.id %% 4], s.id %% 7 = 0, false, 'open', NULL
  FROM seats s
  JOIN offered o ON o.n = 1 + s.id %% o.total
  JOIN assets_assetcategory c ON c.id = o.category_id
 WHERE s.managing_unit_id %% %(every)s = 0
"""
ANALYZE = "ANALYZE assets_listing, assets_reservation, assets_need"

# Each tracked demo vehicle's last known position is its newest fix, as the feed keeps it.
LAST_POSITIONS = """
UPDATE fleet_vehicle v
   SET last_position = p.geom, last_position_at = p.recorded_at
  FROM (SELECT DISTINCT ON (vehicle_id) vehicle_id, geom, recorded_at
          FROM fleet_vehicleposition
         ORDER BY vehicle_id, recorded_at DESC) p
 WHERE v.id = p.vehicle_id AND v.synthetic
"""
# A demo vehicle's odometer reads at least the end of its last trip.
ODOMETERS = """
UPDATE fleet_vehicle v
   SET odometer_km = t.reading
  FROM (SELECT vehicle_id, ceil(max(odometer_end))::int AS reading
          FROM fleet_trip WHERE synthetic GROUP BY vehicle_id) t
 WHERE v.id = t.vehicle_id AND v.synthetic AND v.odometer_km < t.reading
"""

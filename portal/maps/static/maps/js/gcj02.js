/* WGS84/CGCS2000 <-> GCJ-02, for display only: a port of gis/china.py (same constants, same box
 * of China, inverse by fixed-point iteration). The registry never stores GCJ-02; the map uses
 * these functions to place its own layers over a GCJ-02 basemap and to turn a shape drawn on
 * such a basemap back into registry coordinates before querying. */
(function () {
  "use strict";

  // Fixed by the GCJ-02 algorithm (Krasovsky 1940 semi-major axis and eccentricity squared).
  const A = 6378245.0;
  const EE = 0.00669342162296594323;
  const TOLERANCE_DEG = 1e-10;
  const MAX_ITERATIONS = 20;

  function inChina(lon, lat) {
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }

  function shiftLat(x, y) {
    let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return ret;
  }

  function shiftLon(x, y) {
    let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return ret;
  }

  // GCJ-02 minus WGS84 in degrees, [dlon, dlat].
  function offset(lon, lat) {
    const radLat = lat / 180.0 * Math.PI;
    const magic = 1.0 - EE * Math.sin(radLat) ** 2;
    const sqrtMagic = Math.sqrt(magic);
    const dLat = (shiftLat(lon - 105.0, lat - 35.0) * 180.0)
      / ((A * (1.0 - EE)) / (magic * sqrtMagic) * Math.PI);
    const dLon = (shiftLon(lon - 105.0, lat - 35.0) * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [dLon, dLat];
  }

  function wgs84ToGcj02(lon, lat) {
    if (!inChina(lon, lat)) { return [lon, lat]; }
    const [dLon, dLat] = offset(lon, lat);
    return [lon + dLon, lat + dLat];
  }

  // The forward shift is the identity plus an offset whose derivatives stay below 0.007, so
  // x <- x - (forward(x) - target) contracts and converges in a few steps (see gis/china.py).
  function gcj02ToWgs84(lon, lat) {
    if (!inChina(lon, lat)) { return [lon, lat]; }
    let [dLon, dLat] = offset(lon, lat);
    let x = lon - dLon;
    let y = lat - dLat;
    for (let i = 0; i < MAX_ITERATIONS; i += 1) {
      [dLon, dLat] = offset(x, y);
      const ex = x + dLon - lon;
      const ey = y + dLat - lat;
      x -= ex;
      y -= ey;
      if (Math.abs(ex) <= TOLERANCE_DEG && Math.abs(ey) <= TOLERANCE_DEG) { break; }
    }
    return [x, y];
  }

  window.Tianfu.gcj02 = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, inChina: inChina };
})();

import type { Location } from '@provena/wire';

const EARTH_RADIUS_M = 6_371_000;
const METRES_PER_DEGREE_LAT = 111_320;

function toRadians(deg: number): number {
  return (deg * Math.PI) / 180;
}

/** Great-circle distance in metres (haversine). */
export function distanceM(a: Location, b: Location): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLon = toRadians(b.lon - a.lon);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A route as a function of progress: the position after `fraction` of the total distance. Linear interpolation
 * between waypoints is within metres of the great circle for legs of a few hundred kilometres, well inside GPS
 * noise, and needs no trigonometry per reading.
 */
export interface RoutePath {
  readonly lengthM: number;
  at(fraction: number): Location;
}

export function newRoutePath(waypoints: readonly Location[]): RoutePath {
  const cumulative = [0];
  for (let i = 1; i < waypoints.length; i++) {
    cumulative.push(cumulative[i - 1]! + distanceM(waypoints[i - 1]!, waypoints[i]!));
  }
  const lengthM = cumulative.at(-1) ?? 0;
  return {
    lengthM,
    at(fraction: number): Location {
      const first = waypoints[0];
      if (!first) throw new RangeError('a route needs at least one waypoint');
      if (lengthM === 0 || fraction <= 0) return { ...first };
      const target = Math.min(1, fraction) * lengthM;
      let i = 1;
      while (i < cumulative.length - 1 && cumulative[i]! < target) i++;
      const from = waypoints[i - 1]!;
      const to = waypoints[i]!;
      const leg = cumulative[i]! - cumulative[i - 1]!;
      const t = leg === 0 ? 1 : (target - cumulative[i - 1]!) / leg;
      return { lat: from.lat + (to.lat - from.lat) * t, lon: from.lon + (to.lon - from.lon) * t };
    },
  };
}

/** Shifts a position by metres north and east: how GPS noise is applied. */
export function offsetByMetres(point: Location, northM: number, eastM: number): Location {
  const lat = point.lat + northM / METRES_PER_DEGREE_LAT;
  const cosLat = Math.max(0.01, Math.cos(toRadians(point.lat)));
  let lon = point.lon + eastM / (METRES_PER_DEGREE_LAT * cosLat);
  if (lon > 180) lon -= 360;
  if (lon < -180) lon += 360;
  return { lat: Math.max(-90, Math.min(90, lat)), lon };
}

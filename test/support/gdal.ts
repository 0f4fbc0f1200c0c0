// GDAL's own reading of our GeoTIFFs (gdalinfo -json) is part of the proof that they are real
// GeoTIFFs. Debian's gdal-bin provides it; .ci/run installs it and sets PERMASAR_REQUIRE_GDAL=1,
// so there a missing gdalinfo fails the run. Elsewhere the GDAL checks skip with a loud note.
import { execFileSync } from 'node:child_process';

export const GDAL_AVAILABLE: boolean = (() => {
  try {
    execFileSync('gdalinfo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.PERMASAR_REQUIRE_GDAL === '1') throw new Error('PERMASAR_REQUIRE_GDAL=1 but gdalinfo is not installed (Debian: gdal-bin)');
    console.warn(`\n${'!'.repeat(78)}\n!! GDAL CHECKS SKIPPED: gdalinfo not found (Debian: apt-get install gdal-bin).\n!! Set PERMASAR_REQUIRE_GDAL=1 to make this a failure.\n${'!'.repeat(78)}\n`);
    return false;
  }
})();

/** `gdalinfo -json` of a file, or null where GDAL is not installed (see above). */
export function gdalinfoJson(path: string, extraArgs: string[] = []): any | null {
  if (!GDAL_AVAILABLE) return null;
  return JSON.parse(execFileSync('gdalinfo', ['-json', ...extraArgs, path], { encoding: 'utf8' }));
}

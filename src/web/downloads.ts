// The download buttons: the files of `permasar fit --out DIR` (products, incidence,
// summary.json), one by one or as one zip, encoded on the page thread from the track's outcome.
import { zipSync } from 'fflate';
import { FIT_PRODUCT_INFO } from '../pipeline/fit-products.ts';
import { fitProductGeoTiffOptions, incidenceGeoTiffOptions } from '../pipeline/fit-geotiff-options.ts';
import { encodeGeoTiff } from '../io/geotiff-write.ts';
import type { FitOutcome } from './protocol.ts';
import { $, type Track } from './state.ts';

function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** The files of `permasar fit --out DIR` that the page can make: products, incidence, summary. */
function outputFiles(o: FitOutcome): { name: string; label: string; make: () => Uint8Array }[] {
  const files = FIT_PRODUCT_INFO.map((info) => ({
    name: info.file,
    label: `${info.file}`,
    make: () => encodeGeoTiff(o.grid, o.products[info.key], fitProductGeoTiffOptions(info), info.file),
  }));
  if (o.incidence) {
    const inc = o.incidence;
    files.push({ name: 'incidence.tif', label: 'incidence.tif', make: () => encodeGeoTiff(o.grid, inc.data, incidenceGeoTiffOptions(inc.source), 'incidence.tif') });
  }
  files.push({ name: 'summary.json', label: 'summary.json', make: () => new TextEncoder().encode(JSON.stringify(o.summary, null, 2) + '\n') });
  return files;
}

export function renderDownloads(t: Track): void {
  const box = $('downloads');
  box.replaceChildren();
  const o = t.outcome!;
  for (const f of outputFiles(o)) {
    const b = document.createElement('button');
    b.className = 'download';
    b.dataset.file = f.name;
    const info = FIT_PRODUCT_INFO.find((p) => p.file === f.name);
    b.title = info ? `${info.description} (${info.unit})` : f.name;
    b.innerHTML = `<span class="dl-name"></span><span class="dl-unit"></span>`;
    b.querySelector('.dl-name')!.textContent = f.label;
    b.querySelector('.dl-unit')!.textContent = info ? info.unit : f.name.endsWith('.json') ? 'counts, statistics' : 'degrees';
    b.addEventListener('click', () => {
      const type = f.name.endsWith('.json') ? 'application/json' : 'image/tiff';
      saveBlob(f.name, new Blob([f.make() as BlobPart], { type }));
    });
    box.append(b);
  }
  const all = document.createElement('button');
  all.className = 'download all';
  all.dataset.file = 'zip';
  all.innerHTML = '<span class="dl-name">everything (.zip)</span><span class="dl-unit">one folder, as the CLI writes it</span>';
  all.addEventListener('click', () => {
    const entries: Record<string, Uint8Array> = {};
    for (const f of outputFiles(o)) entries[f.name] = f.make();
    const folder = `permasar-fit-track${t.index}`;
    const zipped = zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [`${folder}/${k}`, v])), { level: 6 });
    saveBlob(`${folder}.zip`, new Blob([zipped as BlobPart], { type: 'application/zip' }));
  });
  box.append(all);
}

// Benchmark of `permasar hazards` counting (core/hazards.ts): 10⁵ thermokarst features against
// 10⁴ line edges along a ~1,000 km corridor (the study's QTEC, Golmud → Lhasa), the size the
// issue asks to run "in seconds". Synthetic and deterministic; prints one result line to record.
//
//   node bin/run-ts.mjs bench/hazards-bench.ts [features=100000] [edges=10000]
//
// Layout: a railway and a highway, each with edges/2 edges, wandering from Golmud (94.90 E,
// 36.40 N) to Lhasa (91.10 E, 29.65 N) about 1 km apart; 70 % of the features are points
// (thaw slumps), 30 % 12-vertex polygons ~100–400 m across (thaw lakes), scattered within ±6 km
// of the corridor so most fall inside some buffer and every one is near a line.
import { countHazards, type HazardFeature, type HazardLine } from '../src/core/hazards.ts';
import { makeRandom as rng } from '../data/synthetic.ts';

const featureCount = Number(process.argv[2] ?? 100_000);
const edgeCount = Number(process.argv[3] ?? 10_000);

const random = rng(2025);
const start = { lon: 94.9, lat: 36.4 };
const end = { lon: 91.1, lat: 29.65 };
const corridorAt = (f: number): [number, number] => [
  start.lon + (end.lon - start.lon) * f + 0.05 * Math.sin(f * 40),
  start.lat + (end.lat - start.lat) * f + 0.03 * Math.sin(f * 23),
];

const edgesPerLine = Math.floor(edgeCount / 2);
const lines: HazardLine[] = ['railway', 'highway'].map((lineClass, k) => {
  const path = new Float64Array((edgesPerLine + 1) * 2);
  for (let i = 0; i <= edgesPerLine; i++) {
    const [lon, lat] = corridorAt(i / edgesPerLine);
    path[i * 2] = lon + k * 0.01 + 0.001 * (random() - 0.5);
    path[i * 2 + 1] = lat + 0.001 * (random() - 0.5);
  }
  return { id: lineClass, lineClass, parts: [path] };
});

const features: HazardFeature[] = [];
for (let i = 0; i < featureCount; i++) {
  const [lon, lat] = corridorAt(random());
  const cLon = lon + (random() - 0.5) * 0.13;
  const cLat = lat + (random() - 0.5) * 0.11;
  if (random() < 0.7) {
    features.push({ id: i, featureType: 'thaw slump', points: Float64Array.of(cLon, cLat) });
  } else {
    const radiusDeg = 0.0005 + random() * 0.0015;
    const ring = new Float64Array(13 * 2);
    for (let v = 0; v < 12; v++) {
      const angle = (v / 12) * 2 * Math.PI;
      ring[v * 2] = cLon + radiusDeg * Math.cos(angle) * 1.2;
      ring[v * 2 + 1] = cLat + radiusDeg * Math.sin(angle);
    }
    ring[24] = ring[0];
    ring[25] = ring[1];
    features.push({ id: i, featureType: 'thaw lake', polygons: [[ring]] });
  }
}

// Wall time, and this process's CPU time: on a shared machine the second is the fairer number.
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = countHazards(lines, features, { buffersM: [500, 1000, 1500, 2000], nearestSearchM: 50_000 });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

const within2km = result.countsAnyClass[result.buffersM.length - 1];
console.log(
  `hazards-bench: ${featureCount} features (${result.featureTotals.join(' + ')}) × ${edgesPerLine * 2} edges: ` +
  `${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU (index + counts + nearest), ${(result.distanceEvaluations / 1e6).toFixed(2)} M feature–edge distances ` +
  `(${((featureCount * edgesPerLine * 2) / 1e6).toFixed(0)} M without the index); within 2 km of any line: ${within2km.join(' + ')}; ` +
  `node ${process.version}, ${process.arch}`,
);

// `permasar hazards` end to end on the hand-checkable fixture, and its one-line errors.
import { mkdtempSync, readFileSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from './support/run-command.ts';
import { decodePng } from '../src/plot/png.ts';

const FIXTURE = 'data/fixtures/hazards';

afterEach(() => vi.restoreAllMocks());

describe('permasar hazards', () => {
  it('writes the Fig. 10b table, long CSV, chart and near_features for the fixture', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'permasar-hazards-')), 'results');
    const r = await runCommand(['hazards', '--lines', `${FIXTURE}/corridor.geojson`, '--features', `${FIXTURE}/thermokarst.geojson`, '--out', out, '--quiet']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const expected = JSON.parse(readFileSync(`${FIXTURE}/expected.json`, 'utf8')) as { counts: Record<string, Record<string, number[]>> };

    const csv = readFileSync(join(out, 'hazards.csv'), 'utf8').trim().split(/\r?\n/);
    expect(csv[0]).toBe('line_class,feature_type,buffer_m,count');
    expect(csv).toContain('railway,thaw lake,1000,3');
    expect(csv).toContain('highway,thaw slump,500,0');
    expect(csv.length).toBe(1 + 2 * 2 * 4);

    const table = JSON.parse(readFileSync(join(out, 'hazards.json'), 'utf8'));
    expect(table.buffers_m).toEqual([500, 1000, 1500, 2000]);
    for (const lineClass of ['railway', 'highway']) {
      for (const featureType of ['thaw slump', 'thaw lake']) {
        expect(Object.values(table.counts[lineClass][featureType])).toEqual(expected.counts[lineClass][featureType]);
      }
    }

    const png = decodePng(readFileSync(join(out, 'hazards.png')));
    expect(png.width).toBeGreaterThan(400);

    const near = JSON.parse(readFileSync(join(out, 'near_features.geojson'), 'utf8'));
    expect(near.features).toHaveLength(10);
    const s4 = near.features.find((f: { id: string }) => f.id === 'S4');
    expect(s4.properties.nearest_m).toBeCloseTo(2001, 1);
    expect(s4.properties.nearest_line_id).toBe('R1');
    expect(s4.properties.nearest_m_by_class).toEqual({ railway: null, highway: null });
    const l3 = near.features.find((f: { id: string }) => f.id === 'L3');
    expect(l3.properties).toMatchObject({ nearest_m: 0, nearest_line_class: 'highway', nearest_line_id: 'H2' });
    expect(l3.geometry.type).toBe('Polygon');
  });

  it('one-line errors naming the file; nothing left in --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'permasar-hazards-bad-'));
    const noClass = join(dir, 'lines.geojson');
    writeFileSync(noClass, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { highway: 'G109' }, geometry: { type: 'LineString', coordinates: [[92, 35], [92, 35.1]] } }] }));
    const out = join(dir, 'out');
    const r = await runCommand(['hazards', '--lines', noClass, '--features', `${FIXTURE}/thermokarst.geojson`, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toContain(noClass);
    expect(r.stderr[0]).toContain('"class"');
    expect(existsSync(out)).toBe(false);

    const withOption = await runCommand(['hazards', '--lines', noClass, '--class-property', 'highway', '--features', `${FIXTURE}/thermokarst.geojson`, '--out', out, '--quiet']);
    expect(withOption.code).toBe(0);

    const seam = join(dir, 'seam.geojson');
    writeFileSync(seam, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { class: 'railway' }, geometry: { type: 'LineString', coordinates: [[179.99, 65], [179.999, 65.01]] } }] }));
    const r2 = await runCommand(['hazards', '--lines', seam, '--features', `${FIXTURE}/thermokarst.geojson`, '--out', join(dir, 'out2')]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toHaveLength(1);
    expect(r2.stderr[0]).toMatch(new RegExp(`${seam.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*antimeridian`));
    expect(readdirSync(dir).filter((n) => n.startsWith('out2'))).toEqual([]);

    const badBuffers = await runCommand(['hazards', '--lines', noClass, '--features', `${FIXTURE}/thermokarst.geojson`, '--out', join(dir, 'out3'), '--buffers', '500,-1']);
    expect(badBuffers.code).toBe(1);
    expect(badBuffers.stderr[0]).toContain('--buffers');
  });
});

// The option table of `permasar vertical`, read by the CLI, --help and the corridor manifest's
// "vertical" block. Platform-free.
import { DEVICE_OPTION, OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, type OptionTable } from './support/option-table.ts';

export const VERTICAL_OPTIONS: OptionTable = [
  OUT_OPTION,
  OVERWRITE_OPTION,
  {
    name: 'incidence', kind: 'file-or-number', value: 'FILE|DEG',
    help: ['incidence angle: a GeoTIFF, a MintPy geometryGeo.h5, or a constant in',
      'degrees (default: incidence.tif in FIT_DIR, kept by fit --incidence/--geometry).',
      'A raster on another grid is resampled (bilinear) onto the fit grid.'],
  },
  DEVICE_OPTION,
  QUIET_OPTION,
];

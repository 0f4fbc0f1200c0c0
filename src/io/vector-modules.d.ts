// The parts of untyped npm packages that we use (none ships types): the vector readers' two, and h5wasm-plugins.

declare module 'shapefile' {
  /** One record: GeoJSON geometry (null for a null shape) and the dBase attributes. */
  export interface ShapefileRecord {
    type: 'Feature';
    properties: Record<string, string | number | boolean | Date | null>;
    geometry: { type: string; coordinates: unknown } | null;
  }
  export interface ShapefileSource {
    bbox: number[];
    read(): Promise<{ done: boolean; value: ShapefileRecord }>;
  }
  /** shp and dbf as bytes; `encoding` labels the dBase text (a WHATWG encoding label). */
  export function open(shp: Uint8Array | ArrayBuffer, dbf?: Uint8Array | ArrayBuffer, options?: { encoding?: string }): Promise<ShapefileSource>;
}

declare module 'sql.js' {
  export type SqlValue = number | string | Uint8Array | null;
  export interface QueryExecResult {
    columns: string[];
    values: SqlValue[][];
  }
  export interface Database {
    exec(sql: string, params?: SqlValue[]): QueryExecResult[];
    close(): void;
  }
  export interface SqlJsStatic {
    Database: new (data?: Uint8Array) => Database;
  }
  export default function initSqlJs(config?: { locateFile?: (file: string) => string }): Promise<SqlJsStatic>;
}

// h5wasm-plugins ships no types: the one call src/io/h5-node.ts makes.
declare module 'h5wasm-plugins' {
  export function install_local_plugins(h5wasmModule: unknown): void;
}

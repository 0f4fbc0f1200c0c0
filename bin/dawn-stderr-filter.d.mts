export declare class DawnProbeFilter {
  constructor(write: (text: string) => void);
  push(chunk: string): void;
  end(): void;
}
export declare function runFiltered(entry: string, args: string[]): Promise<number>;

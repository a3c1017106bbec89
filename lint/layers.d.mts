/** Types of lint/layers.mjs (plain JS so that eslint.config.mjs can import it under Node 20). */
export declare const LAYERS: string[][];
export declare const TEST_ONLY: string[];
export declare const TEST_FILES: string[];
export declare const PRODUCTION_FILES: string[];
export interface LayerZone {
  target: string;
  from: string[];
  message: string;
}
export declare function layerZones(): LayerZone[];
export declare function renderLayersTable(): string;

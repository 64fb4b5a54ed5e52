export declare const MARKUP_BYTES_PER_CHAR: number;
export declare const TEXT_BYTES_PER_CHAR: number;
export declare function markupLength(template: string): number;
export declare function parsedTemplateCost(template: string): number;

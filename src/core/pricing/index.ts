// Offline pricing, per request at import time. See pricer.ts for the lookup order,
// modelId.ts / normalize.ts for model-id normalisation, supplement.ts for rates added to genai-prices.

export type { PriceOverride, PriceOverrides } from './types';
export { normalizeModelId } from './modelId';
export { Pricer, PRICING_RULES_VERSION, pricerFor, type PriceResult } from './pricer';
export { BUNDLED_TABLE, GENAI_PRICES_VERSION, type PriceTable } from './table';
export { loadStoredPriceTable } from './priceData';
// Fetching (priceUpdate.ts) is imported directly by the command and the CLI, so pricing alone
// never loads the network modules.

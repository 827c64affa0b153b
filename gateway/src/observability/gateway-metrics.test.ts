import { GatewayMetrics } from './gateway-metrics';

describe('GatewayMetrics', () => {
  it("exposes the ledger adapter's resent transactions as a counter, read at each scrape", async () => {
    const metrics = new GatewayMetrics();
    let resent = 0;
    metrics.trackTransactionsResent(() => resent);
    const scrape = async (): Promise<string> => metrics.registry.metrics();
    expect(await scrape()).toMatch(/^provena_ledger_transactions_resent_total 0$/m);
    resent = 3;
    expect(await scrape()).toMatch(/^# TYPE provena_ledger_transactions_resent_total counter$/m);
    expect(await scrape()).toMatch(/^provena_ledger_transactions_resent_total 3$/m);
  });
});

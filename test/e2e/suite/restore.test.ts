// After a window reload: the serializer brings the dashboard back with the filters the webview
// saved (setState), and the restored page shows the database's totals again.
import { strict as assert } from 'node:assert';
import { formatInt, formatUsd } from '../../../src/core/format';
import { activateExtension, bridge, dashboardTabs, dbSums, fixtures, hasBridge, hostState, until } from './helpers';

describe('AI Usage Dashboard after a window reload', function () {
  const fx = fixtures();

  before(async () => {
    await activateExtension();
  });

  it('the serializer restores the dashboard panel', async () => {
    const h = await until('the restored panel to be ready', async () => {
      const st = await hostState();
      return st.panel?.restored && st.panel.ready && st.panel.lastDashboard && st;
    });
    assert.equal(h.panel!.open, true);
    assert.equal(dashboardTabs().length, 1);
    assert.ok(h.panel!.restoredState && typeof h.panel!.restoredState === 'object', 'the webview state was handed to the serializer');
  });

  it('with the filters it had before the reload', async function () {
    if (!hasBridge()) this.skip(); // the filter was changed by a click in the page (code-server runner only)
    const h = await hostState();
    const view = h.panel!.lastDashboard!.view;
    assert.equal(view.granularity, 'week');
    assert.deepEqual(view.projects, [fx.workspace]);
  });

  it('and shows the same totals as the database', async () => {
    const h = await until('the restored dashboard data', async () => {
      const st = await hostState({ flush: true });
      return st.panel?.lastDashboard && st;
    });
    const d = h.panel!.lastDashboard!;
    const db = await dbSums(h.dbFile, fx.workspace, d.from, d.to);
    assert.equal(d.totals.messages, db.messages);
    assert.ok(Math.abs(d.totals.cost - db.cost) < 1e-9);
    if (hasBridge()) {
      const m = await until('the restored metric cards', async () => {
        const x = await bridge('metrics');
        return x.rendered && x.messages === formatInt(db.messages) && x;
      });
      assert.equal(m.cost, formatUsd(db.cost));
    }
  });
});

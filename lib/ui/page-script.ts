// The browser half of the dashboard, sent as one script: it builds every page from the JSON API with
// DOM calls (text set as text, never as HTML) and draws charts with vega from compiled specs. A page
// made by `torchnas report` carries its data inline instead of fetching it.
export const PAGE_SCRIPT = String.raw`
(function () {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const withToken = (url) => (token ? url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : url);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    return node;
  };
  const pct = (x) => (typeof x === 'number' ? (100 * x).toFixed(2) + '%' : '');
  const progress = (r) => (r.epochs ? r.epochsDone + '/' + r.epochs : String(r.epochsDone));
  const duration = (s) => (s == null ? '' : s < 120 ? s.toFixed(0) + ' s' : s < 7200 ? (s / 60).toFixed(0) + ' min' : (s / 3600).toFixed(1) + ' h');
  const getJson = async (url) => {
    const res = await fetch(withToken(url));
    if (!res.ok) throw new Error((await res.json()).error || res.statusText);
    return res.json();
  };
  const runLink = (dir) => withToken('/run?dir=' + encodeURIComponent(dir));

  async function drawCharts(container, charts) {
    container.replaceChildren();
    for (const spec of charts) {
      const box = el('div', { class: 'chart' });
      container.append(box);
      await new vega.View(vega.parse(spec), { renderer: 'svg', container: box, hover: true }).runAsync();
    }
  }

  function optionsTable(options) {
    return el('table', { class: 'options' }, ...Object.entries(options).map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, JSON.stringify(v)))));
  }

  async function indexPage(root) {
    let runs = [];
    let sortKey = 'started';
    let descending = true;
    const filter = el('input', { id: 'filter', placeholder: 'filter: kind, status or folder' });
    const compare = el('button', { id: 'compare' }, 'compare selected');
    const table = el('table', { id: 'runs' });
    root.append(el('h1', {}, 'torchnas runs'), el('p', {}, filter, ' ', compare), table);
    const columns = [['dir', 'run'], ['kind', 'kind'], ['status', 'status'], ['progress', 'epochs'], ['best', 'best'], ['started', 'started'], ['seconds', 'took']];
    const value = (r, key) => (key === 'best' ? (r.best ? r.best.value : -1) : key === 'progress' ? (r.epochs ? r.epochsDone / r.epochs : 0) : r[key] ?? '');
    const render = () => {
      const needle = filter.value.trim().toLowerCase();
      const shown = runs
        .filter((r) => !needle || [r.dir, r.kind, r.status].some((s) => s.toLowerCase().includes(needle)))
        .sort((a, b) => ((value(a, sortKey) < value(b, sortKey) ? -1 : value(a, sortKey) > value(b, sortKey) ? 1 : 0) * (descending ? -1 : 1)));
      const head = el('tr', {}, el('th', {}, ''), ...columns.map(([key, label]) => {
        const th = el('th', { 'data-key': key, class: 'sortable' }, label + (key === sortKey ? (descending ? ' ▼' : ' ▲') : ''));
        th.onclick = () => { descending = key === sortKey ? !descending : true; sortKey = key; render(); };
        return th;
      }));
      const rows = shown.map((r) => el('tr', { class: 'run ' + r.status, 'data-dir': r.dir },
        el('td', {}, el('input', { type: 'checkbox', value: r.dir })),
        el('td', {}, el('a', { href: runLink(r.dir) }, r.dir)),
        el('td', { class: 'kind' }, r.kind),
        el('td', { class: 'status' }, r.status + (r.reason ? ': ' + r.reason : '')),
        el('td', {}, progress(r)),
        el('td', {}, r.best ? pct(r.best.value) + ' ' + r.best.metric : ''),
        el('td', {}, (r.started || '').slice(0, 16).replace('T', ' ')),
        el('td', {}, duration(r.seconds))));
      table.replaceChildren(head, ...rows);
    };
    filter.oninput = render;
    compare.onclick = () => {
      const dirs = [...table.querySelectorAll('input:checked')].map((c) => c.value);
      if (dirs.length >= 2) location.href = withToken('/compare?' + dirs.map((d) => 'dir=' + encodeURIComponent(d)).join('&'));
    };
    const refresh = async () => { runs = await getJson('/api/runs'); render(); document.body.dataset.loaded = 'true'; };
    await refresh();
    setInterval(refresh, 5000);
  }

  // The derived network block by block; with the run's latency table, each block's median beside its cost.
  function networkTable(net) {
    const lat = net.latency;
    const ms = (v) => (v == null ? 'not in table' : v.toFixed(3));
    const total = lat && lat.layers.every((v) => v != null) ? ', ' + lat.layers.reduce((a, b) => a + b, 0).toFixed(3) + ' ms' : '';
    const head = el('tr', {}, el('th', {}, 'block'), el('th', {}, 'output'), el('th', {}, 'params'), el('th', {}, 'MACs'), ...(lat ? [el('th', {}, 'latency (ms)')] : []));
    const rows = net.layers.map((l, i) => el('tr', {}, el('td', {}, l.block), el('td', {}, l.output.join('x')), el('td', {}, String(l.params)), el('td', {}, String(l.macs)),
      ...(lat ? [el('td', { class: 'latency' }, ms(lat.layers[i]))] : [])));
    return [el('h2', {}, 'network' + (net.name ? ': ' + net.name : '') + ' (' + (net.params / 1e6).toFixed(3) + ' M params, ' + (net.macs / 1e6).toFixed(2) + ' M MACs' + total + ')'),
      el('table', { id: 'blocks' }, head, ...rows),
      ...(lat ? [el('p', { class: 'note' }, 'latency: medians from ' + lat.table + ' (' + JSON.stringify(lat.conditions) + ')')] : [])];
  }

  async function runPage(root, inline) {
    const dir = inline ? inline.entry.dir : params.get('dir');
    const header = el('div', { id: 'header' });
    const charts = el('div', { id: 'charts' });
    const details = el('div', { id: 'details' });
    root.append(el('p', {}, inline ? '' : el('a', { href: withToken('/') }, '← all runs')), header, charts, details);
    const render = async (data) => {
      const e = data.entry;
      header.replaceChildren(
        el('h1', {}, e.dir),
        el('p', { id: 'status' }, e.kind + ', ' + e.status + (e.reason ? ' (' + e.reason + ')' : '') + ' · epochs ' + progress(e) +
          (e.best ? ' · best ' + pct(e.best.value) + ' ' + e.best.metric : '') + (e.seconds != null ? ' · ' + duration(e.seconds) : '')),
        el('p', { id: 'epochs', 'data-count': String(data.history.length), 'data-steps': String(data.steps ? data.steps.length : 0) },
          data.history.length + ' epochs recorded' + (data.steps && data.steps.length ? ', epoch ' + (data.history.length + 1) + ' at step ' + (data.steps.at(-1).step ?? data.steps.length) : '')),
        ...data.chartErrors.map((m) => el('p', { class: 'error' }, m)));
      await drawCharts(charts, data.charts);
      const net = data.network;
      const blocks = net ? networkTable(net) : [];
      details.replaceChildren(...blocks, el('h2', {}, 'options'), optionsTable(e.options),
        ...(data.summary ? [el('details', { id: 'summary' }, el('summary', {}, 'summary.json'), el('pre', {}, JSON.stringify(data.summary, null, 1)))] : []));
      document.body.dataset.loaded = 'true';
    };
    if (inline) return render(inline);
    const load = async () => render(await getJson('/api/run?dir=' + encodeURIComponent(dir)));
    try {
      await load();
    } catch (error) {
      root.append(el('p', { class: 'error' }, String(error.message || error)));
      return;
    }
    const events = new EventSource(withToken('/api/events?dir=' + encodeURIComponent(dir)));
    let pending = false;
    events.addEventListener('update', async () => {
      if (pending) return;
      pending = true;
      try { await load(); } finally { pending = false; }
    });
  }

  async function comparePage(root) {
    const dirs = params.getAll('dir');
    const data = await getJson('/api/compare?' + dirs.map((d) => 'dir=' + encodeURIComponent(d)).join('&'));
    const head = el('tr', {}, el('th', {}, ''), ...data.runs.map((r) => el('th', {}, el('a', { href: runLink(r.dir) }, r.dir))));
    const row = (label, cells, differs) => el('tr', differs ? { class: 'differs' } : {}, el('th', {}, label), ...cells.map((c) => el('td', {}, c)));
    const table = el('table', { id: 'compare-table' }, head,
      row('kind', data.runs.map((r) => r.kind)), row('status', data.runs.map((r) => r.status)),
      row('epochs', data.runs.map(progress)), row('best', data.runs.map((r) => (r.best ? pct(r.best.value) : ''))),
      ...data.options.map((o) => row(o.key, o.values.map((v) => (v == null ? '-' : v)), o.differs)));
    const charts = el('div', { id: 'charts' });
    root.append(el('p', {}, el('a', { href: withToken('/') }, '← all runs')), el('h1', {}, 'comparison'), charts, table);
    await drawCharts(charts, data.charts);
    document.body.dataset.loaded = 'true';
  }

  const root = document.getElementById('app');
  const page = document.body.dataset.page;
  const inline = document.getElementById('run-data');
  const done = page === 'index' ? indexPage(root) : page === 'compare' ? comparePage(root) : runPage(root, inline ? JSON.parse(inline.textContent) : null);
  done.catch((error) => root.append(el('p', { class: 'error' }, String(error && error.message ? error.message : error))));
})();
`;

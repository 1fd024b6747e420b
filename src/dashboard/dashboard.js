// The qualify dashboard: one plain ES module, no framework, no build step. Everything on the page
// comes from the admin API (/api) with the workspace API key, so the page shows exactly what the
// key may see. Text is only ever set with textContent (never innerHTML): lead names, reasons and
// status messages come from CRMs and must not become markup.

const KEY_STORAGE = 'qualify.apiKey';
const PAGE_SIZE = 25;
const REFRESH_MS = 60_000;

const FUNNEL = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'];
const SIDE_STAGES = ['recycled', 'disqualified'];
const GRADES = ['A', 'B', 'C', 'D'];
const STAGE_LABEL = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  mql: 'MQL',
  sql: 'SQL',
  opportunity: 'Opportunity',
  customer: 'Customer',
  recycled: 'Recycled',
  disqualified: 'Disqualified',
};
/** The systems the server knows (GET /api/workspace's `systems`, from the connector registry): label, account noun, installable. */
let SYSTEMS = [];
const systemOf = (system) => SYSTEMS.find((s) => s.system === system);
const labelOf = (system) => systemOf(system)?.label ?? system;
/** What the server needs before a system can be connected from here (README: Connecting CRM accounts). */
/** What the server must set for a system's installs: its OAuth app's client id and secret. */
const oauthSetup = (system) => `${system.toUpperCase()}_CLIENT_ID/_SECRET`;

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('en');
const pct = (n, d) => (d > 0 ? `${Math.round((100 * n) / d)} %` : '–');

/** Builds an element: h('td', { class: 'num', dataset: { grade: 'A' } }, 'text', childNode). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function ago(iso) {
  if (!iso) return 'never';
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(Math.round(seconds), 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

// ── the API key ─────────────────────────────────────────────────────────────────────────────

/** A key in the address (`/#key=qk_…`, as demo mode prints it) is kept and taken out of the address bar and history. */
function takeKeyFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = params.get('key');
  if (!key) return;
  localStorage.setItem(KEY_STORAGE, key.trim());
  params.delete('key');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
}

const apiKey = () => localStorage.getItem(KEY_STORAGE);

class Unauthorised extends Error {}

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${apiKey()}`, accept: 'application/json' } });
  if (res.status === 401) throw new Unauthorised('refused');
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${path}: ${body?.error ?? `HTTP ${res.status}`}`);
  return body;
}

function askForKey(message) {
  document.body.dataset.state = 'need-key';
  $('content').hidden = true;
  $('refresh').hidden = true;
  $('forget').hidden = true;
  $('error').hidden = true;
  $('workspace').textContent = '';
  $('updated').textContent = '';
  $('key-message').textContent =
    message ?? 'Paste a workspace API key (it starts with qk_). It stays in this browser only.';
  $('key-panel').hidden = false;
  $('key-input').focus();
}

// ── sections ────────────────────────────────────────────────────────────────────────────────

function renderFunnel(stages, flow, since) {
  const list = $('funnel');
  const total = [...FUNNEL, ...SIDE_STAGES].reduce((a, s) => a + (stages[s] ?? 0), 0);
  if (total === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, 'No leads yet: connect a CRM, or wait for the first sync.'));
    $('funnel-side').textContent = '';
    return;
  }
  // A snapshot funnel: "at or past" a stage counts the leads now there or further down the
  // funnel, so each step's share never exceeds 100 % (leads a person moved straight to
  // opportunity never sat at SQL). The history, per grade, is in "Conversion by grade".
  const atOrPast = FUNNEL.map((_, i) => FUNNEL.slice(i).reduce((a, s) => a + (stages[s] ?? 0), 0));
  const widest = Math.max(1, ...FUNNEL.map((s) => stages[s] ?? 0));
  const weeks = weekStarts(since);
  const entered = new Map(flow.map((r) => [`${r.to}|${r.period}`, r.count]));
  list.replaceChildren(
    ...FUNNEL.map((stage, i) => {
      const count = stages[stage] ?? 0;
      // With nobody at a stage now, "100 % went further" says nothing: no step is shown.
      const next = i + 1 < FUNNEL.length && count > 0 ? pct(atOrPast[i + 1], atOrPast[i]) : null;
      return h(
        'li',
        { dataset: { stage, count: String(count) } },
        h('span', { class: 'label' }, STAGE_LABEL[stage]),
        h('span', { class: 'track' }, h('span', { class: `fill stage-${stage}`, style: { width: `${(100 * count) / widest}%` } })),
        h('span', { class: 'count num' }, fmt.format(count)),
        h('span', { class: 'step', title: next ? `of the leads at or past ${STAGE_LABEL[stage]}, the share past it` : '' }, next ? `↓ ${next}` : ''),
        sparkline(weeks.map((w) => ({ week: w, count: entered.get(`${stage}|${w}`) ?? 0 })), STAGE_LABEL[stage]),
      );
    }),
  );
  $('funnel-side').replaceChildren(
    ...SIDE_STAGES.map((s) => h('span', { class: 'side-stage', dataset: { stage: s, count: String(stages[s] ?? 0) } }, `${STAGE_LABEL[s]} `, h('b', {}, fmt.format(stages[s] ?? 0)))),
    h('span', { class: 'total' }, `${fmt.format(total)} leads in all`),
  );
}

/** Monday (UTC) of every week from `since` to now, as the API names periods (YYYY-MM-DD). */
function weekStarts(since) {
  const start = new Date(since ?? Date.now() - 13 * 7 * 86_400_000);
  start.setUTCHours(0, 0, 0, 0);
  start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7));
  const weeks = [];
  for (let d = start; d.getTime() <= Date.now(); d = new Date(d.getTime() + 7 * 86_400_000)) weeks.push(d.toISOString().slice(0, 10));
  return weeks;
}

/** Leads entering a stage per week: the funnel's movement, next to where it stands now. */
function sparkline(points, label) {
  // Each stage on its own scale: the shape of its weeks matters, not its size next to "lead".
  const top = Math.max(1, ...points.map((p) => p.count));
  const W = 80;
  const H = 16;
  const bw = W / Math.max(1, points.length);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'spark', role: 'img', 'aria-label': `${label}: leads entering per week` });
  points.forEach((p, i) => {
    const bh = p.count ? Math.max(1.5, (H * p.count) / top) : 0.5;
    const bar = svg('rect', { x: i * bw + 0.5, y: H - bh, width: Math.max(1, bw - 1), height: bh, class: p.count ? 'on' : 'off' });
    bar.append(svg('title', {}, `week of ${p.week}: ${p.count} entered ${label}`));
    chart.append(bar);
  });
  const thisWeek = points.at(-1)?.count ?? 0;
  return h('span', { class: 'entered', dataset: { thisWeek: String(thisWeek) } }, chart, h('span', { class: 'num small' }, thisWeek ? `+${fmt.format(thisWeek)}` : ''));
}

function renderConversion(rows) {
  const table = $('conversion');
  const note = $('conversion-note');
  const byGrade = new Map((rows ?? []).map((r) => [r.grade, r]));
  const any = GRADES.some((g) => (byGrade.get(g)?.leads ?? 0) > 0);
  if (!any) {
    table.replaceChildren();
    note.textContent = 'No scored leads yet.';
    return;
  }
  const cols = [
    ['reachedMql', 'MQL'],
    ['reachedSql', 'SQL'],
    ['reachedOpportunity', 'Opp.'],
    ['reachedCustomer', 'Customer'],
  ];
  // Each column shaded against its own best rate: the A-to-D gradient is the evidence.
  const rates = (k) => GRADES.map((g) => byGrade.get(g)).filter((r) => r && r.leads > 0).map((r) => r[k] / r.leads);
  const best = Object.fromEntries(cols.map(([k]) => [k, Math.max(0, ...rates(k))]));
  table.replaceChildren(
    h('thead', {}, h('tr', {}, h('th', {}, 'Grade'), h('th', { class: 'num' }, 'Leads'), ...cols.map(([, label]) => h('th', { class: 'num' }, `→ ${label}`)))),
    h(
      'tbody',
      {},
      GRADES.map((g) => {
        const r = byGrade.get(g) ?? { leads: 0, reachedMql: 0, reachedSql: 0, reachedOpportunity: 0, reachedCustomer: 0 };
        return h(
          'tr',
          { dataset: { grade: g, leads: String(r.leads), reachedSql: String(r.reachedSql), reachedCustomer: String(r.reachedCustomer) } },
          h('td', {}, h('span', { class: `grade grade-${g}` }, g)),
          h('td', { class: 'num' }, fmt.format(r.leads)),
          ...cols.map(([k]) => {
            const shade = r.leads && best[k] ? (0.45 * r[k]) / r.leads / best[k] : 0;
            return h('td', { class: 'num rate', title: `${fmt.format(r[k])} of ${fmt.format(r.leads)}`, style: { backgroundColor: `rgba(47, 111, 214, ${shade.toFixed(3)})` } }, pct(r[k], r.leads));
          }),
        );
      }),
    ),
  );
  // One sentence of evidence: how much more often the best grade reaches SQL than the worst.
  const rate = (g) => {
    const r = byGrade.get(g);
    return r && r.leads > 0 ? r.reachedSql / r.leads : null;
  };
  const a = rate('A');
  const d = rate('D');
  if (a !== null && d !== null && d > 0) note.textContent = `A leads reached SQL ${(a / d).toFixed(1)}× as often as D leads.`;
  else if (a !== null && d === 0) note.textContent = `${pct(byGrade.get('A').reachedSql, byGrade.get('A').leads)} of A leads reached SQL; no D lead did.`;
  else note.textContent = 'Share of the leads of each grade (by current score) that ever reached the stage.';
}

function renderHistogram(buckets) {
  const box = $('histogram');
  const total = (buckets ?? []).reduce((a, b) => a + b.count, 0);
  if (total === 0) {
    box.replaceChildren(h('p', { class: 'empty' }, 'No scores yet.'));
    return;
  }
  const W = 300;
  const H = 120;
  const top = Math.max(...buckets.map((b) => b.count));
  const bw = W / buckets.length;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H + 16}`, role: 'img', 'aria-label': 'Number of leads per score bucket' });
  buckets.forEach((b, i) => {
    const bh = b.count ? Math.max(1, (H * b.count) / top) : 0;
    const rect = svg('rect', { x: i * bw + 1, y: H - bh, width: Math.max(1, bw - 2), height: bh, class: 'hbar' });
    rect.append(svg('title', {}, `score ${b.from}–${b.to}: ${b.count} leads`));
    chart.append(rect);
  });
  chart.append(svg('line', { x1: 0, y1: H + 0.5, x2: W, y2: H + 0.5, class: 'axis' }));
  for (const [x, label, anchor] of [[0, '0', 'start'], [W / 2, '50', 'middle'], [W, '100', 'end']]) {
    chart.append(svg('text', { x, y: H + 13, 'text-anchor': anchor, class: 'tick' }, label));
  }
  box.replaceChildren(chart, h('p', { class: 'note' }, `${fmt.format(total)} scored leads · highest bar ${fmt.format(top)}`));
}

function renderGrades(grades) {
  const list = $('grades');
  const total = GRADES.reduce((a, g) => a + (grades?.[g] ?? 0), 0);
  if (total === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, 'No graded leads yet.'));
    return;
  }
  const widest = Math.max(...GRADES.map((g) => grades[g] ?? 0));
  list.replaceChildren(
    ...GRADES.map((g) => {
      const n = grades[g] ?? 0;
      return h(
        'li',
        { dataset: { grade: g, count: String(n) } },
        h('span', { class: `grade grade-${g}` }, g),
        h('span', { class: 'track' }, h('span', { class: `fill grade-fill-${g}`, style: { width: `${(100 * n) / widest}%` } })),
        h('span', { class: 'count num' }, fmt.format(n)),
        h('span', { class: 'share num' }, pct(n, total)),
      );
    }),
  );
}

function renderConnections(connections) {
  const box = $('connections');
  if (!connections?.length) {
    box.replaceChildren(h('p', { class: 'empty' }, 'No connections in this workspace yet.'));
    return;
  }
  box.replaceChildren(
    ...connections.map((c) => {
      // budget: calls counted against the account's daily budget today, the most qualify lets
      // itself use (limit) and usedToday / limit (share); null until this server has seen a call.
      const used = c.budget ? (c.budget.share ?? (c.budget.limit ? c.budget.usedToday / c.budget.limit : null)) : null;
      const budget = c.budget
        ? h(
            'div',
            { class: 'budget', dataset: { usedToday: String(c.budget.usedToday) } },
            h('span', { class: 'track' }, h('span', { class: `fill budget-fill${used !== null && used > 0.8 ? ' high' : ''}`, style: { width: `${used === null ? 0 : Math.min(100, 100 * used)}%` } })),
            h(
              'span',
              { class: 'budget-text' },
              c.budget.limit == null
                ? `${fmt.format(c.budget.usedToday)} API calls today`
                : `${fmt.format(c.budget.usedToday)} of ${fmt.format(c.budget.limit)} API calls today (${pct(c.budget.usedToday, c.budget.limit)})`,
            ),
          )
        : h('div', { class: 'budget muted' }, 'API budget: no call seen yet by this server');
      return h(
        'div',
        { class: 'connection', dataset: { connectionId: c.id, status: c.status } },
        h(
          'div',
          { class: 'conn-head' },
          h('b', {}, labelOf(c.system)),
          h('span', { class: 'muted' }, c.accountId ? ` ${systemOf(c.system)?.accountNoun ?? 'account'} ${c.accountId}` : ` ${c.id}`),
          h('span', { class: `status status-${c.status}` }, c.status.replace('_', ' ')),
        ),
        h(
          'div',
          { class: 'conn-facts' },
          h('span', { class: 'last-sync', title: c.lastSyncAt ?? '' }, `last sync ${ago(c.lastSyncAt)}`),
          h('span', { class: `write-errors${c.writeErrors ? ' bad' : ''}`, dataset: { count: String(c.writeErrors ?? 0) } }, `${fmt.format(c.writeErrors ?? 0)} write errors`),
        ),
        c.parkedUntil ? h('div', { class: 'conn-message' }, `parked until ${new Date(c.parkedUntil).toLocaleString()}`) : null,
        c.statusMessage ? h('div', { class: 'conn-message' }, c.statusMessage) : null,
        budget,
      );
    }),
  );
}

/**
 * "Connect HubSpot" / "Connect Salesforce" for the systems the server can install through OAuth
 * (GET /api/workspace's `oauth`); the others are not offered, and one line says what is missing.
 */
/** "A", "A and B", "A, B and C". */
function listed(names) {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function renderConnect(oauth) {
  const systems = SYSTEMS.filter((s) => s.oauth).map((s) => s.system);
  const missing = systems.filter((s) => !oauth?.[s]);
  $('connect').replaceChildren(
    ...systems.filter((s) => oauth?.[s]).map((s) => h('button', { type: 'button', dataset: { system: s } }, `Connect ${labelOf(s)}`)),
    ...(missing.length
      ? [
          h(
            'p',
            { class: 'note connect-note', title: `The server needs ${missing.map(oauthSetup).join(' and ')} (README: Connecting CRM accounts).` },
            `${listed(missing.map(labelOf))} cannot be connected here: no OAuth app is set up on the server.`,
          ),
        ]
      : []),
    h('p', { class: 'error connect-error', role: 'alert', hidden: true }),
  );
}

/**
 * Asks qualify for a one-time install link with the key (the key never goes into a URL) and
 * follows it: qualify sends the browser on to the vendor's consent page with a signed state.
 */
async function startInstall(button) {
  const system = button.dataset.system;
  const error = $('connect').querySelector('.connect-error');
  error.hidden = true;
  button.disabled = true;
  try {
    const res = await fetch(`/oauth/${encodeURIComponent(system)}/install-link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey()}`, accept: 'application/json' },
    });
    if (res.status === 401) throw new Unauthorised('refused');
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error(body?.error ?? `HTTP ${res.status}`);
    const url = new URL(String(body?.url ?? ''), location.href);
    // Only a web address is followed (never a javascript: one, whatever the answer says).
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('the install link is not a web address');
    location.assign(url.href);
  } catch (err) {
    button.disabled = false;
    if (err instanceof Unauthorised) {
      localStorage.removeItem(KEY_STORAGE);
      askForKey('That key was refused (401): it may be mistyped or revoked. Paste a workspace API key.');
      return;
    }
    error.textContent = `Could not start connecting ${labelOf(system)}: ${err.message}`;
    error.hidden = false;
  }
}

// ── leads ───────────────────────────────────────────────────────────────────────────────────

const filters = { stage: '', grade: '', email: '', offset: 0 };

/** "+ demo request (2d ago); − student" → one chip per reason, + and − told apart. */
function reasonChips(reasons) {
  if (!reasons) return [h('span', { class: 'muted' }, '—')];
  return reasons
    .split(/;\s*/)
    .filter(Boolean)
    .map((r) => h('span', { class: `reason ${/^[−-]/.test(r) ? 'neg' : 'pos'}` }, r));
}

async function loadLeads() {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(filters.offset) });
  if (filters.stage) q.set('stage', filters.stage);
  if (filters.grade) q.set('grade', filters.grade);
  if (filters.email) q.set('email', filters.email);
  const { leads } = await api(`/api/leads?${q}`);
  const body = $('leads').tBodies[0];
  body.replaceChildren(
    ...leads.map((l) =>
      h(
        'tr',
        { dataset: { leadId: l.id, email: l.email ?? '' } },
        h('td', { class: 'num score', title: `fit ${l.fit ?? '–'} · engagement ${l.engagement ?? '–'}` }, l.score == null ? '–' : String(Math.round(l.score))),
        h('td', {}, l.grade ? h('span', { class: `grade grade-${l.grade}` }, l.segment ?? l.grade) : '–'),
        h(
          'td',
          { class: 'who' },
          h('button', { type: 'button', class: 'name link', 'aria-expanded': 'false', title: 'score breakdown and stage history' }, l.name ?? l.email ?? l.id),
          h('div', { class: 'muted small' }, [l.email, [l.title, l.company].filter(Boolean).join(', ')].filter(Boolean).join(' · ')),
        ),
        h('td', { class: 'stage' }, l.stage ? h('span', { class: `pill stage-${l.stage}` }, STAGE_LABEL[l.stage] ?? l.stage) : '–', l.stageSince ? h('div', { class: 'muted small' }, ago(l.stageSince)) : null),
        h('td', { class: 'reasons' }, reasonChips(l.reasons)),
      ),
    ),
  );
  const filtered = filters.stage || filters.grade || filters.email;
  $('leads-empty').hidden = leads.length > 0;
  $('leads-empty').textContent = filtered ? 'No leads match these filters.' : 'No leads yet.';
  $('prev').disabled = filters.offset === 0;
  $('next').disabled = leads.length < PAGE_SIZE;
  $('page').textContent = leads.length ? `${filters.offset + 1}–${filters.offset + leads.length}` : '';
  // Details stay open across a refresh or a filter change, as long as the lead is still listed.
  for (const id of [...openLeads]) {
    const row = body.querySelector(`tr[data-lead-id="${CSS.escape(id)}"]`);
    if (row) void showDetails(row).catch(showLeadsError);
    else openLeads.delete(id);
  }
  // Which query the rows show: lets a test (or a curious user) tell a stale list from a fresh one.
  $('leads').dataset.query = q.toString();
}

/** Lead ids whose details are open. */
const openLeads = new Set();

const shortDate = (iso) => new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });

/** The row under a lead: why it scores what it does (every contribution) and how it moved through the funnel. */
async function showDetails(row) {
  const id = row.dataset.leadId;
  const lead = await api(`/api/leads/${encodeURIComponent(id)}`);
  if (row.nextElementSibling?.classList.contains('details')) row.nextElementSibling.remove();
  const contributions = [...(lead.score?.contributions ?? [])].sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  const transitions = [...(lead.transitions ?? [])].reverse();
  const details = h(
    'tr',
    { class: 'details', dataset: { detailsFor: id } },
    h(
      'td',
      { colspan: '5' },
      h(
        'div',
        { class: 'details-grid' },
        h(
          'div',
          {},
          h('h3', {}, 'Score', h('small', {}, lead.score ? ` fit ${Math.round(lead.score.fit)} · engagement ${Math.round(lead.score.engagement)} · ${lead.score.modelVersion}` : ' not scored')),
          contributions.length
            ? h(
                'table',
                { class: 'contributions' },
                h(
                  'tbody',
                  {},
                  contributions.map((c) =>
                    h('tr', {}, h('td', { class: `num points ${c.points < 0 ? 'neg' : 'pos'}` }, `${c.points > 0 ? '+' : ''}${Math.round(c.points * 10) / 10}`), h('td', {}, c.label), h('td', { class: 'muted small' }, c.axis)),
                  ),
                ),
              )
            : h('p', { class: 'empty' }, 'No rule matched.'),
        ),
        h(
          'div',
          {},
          h('h3', {}, 'Stage history', h('small', {}, ' newest first')),
          transitions.length
            ? h(
                'ul',
                { class: 'transitions' },
                transitions.map((t) =>
                  h(
                    'li',
                    { dataset: { to: t.to } },
                    h('span', { class: 'muted small' }, shortDate(t.at)),
                    ' ',
                    h('b', {}, `${t.from ? `${STAGE_LABEL[t.from] ?? t.from} → ` : ''}${STAGE_LABEL[t.to] ?? t.to}`),
                    h('div', { class: 'small' }, t.detail),
                  ),
                ),
              )
            : h('p', { class: 'empty' }, 'No stage recorded yet.'),
        ),
      ),
    ),
  );
  row.after(details);
  row.querySelector('button.name')?.setAttribute('aria-expanded', 'true');
  openLeads.add(id);
}

function hideDetails(row) {
  if (row.nextElementSibling?.classList.contains('details')) row.nextElementSibling.remove();
  row.querySelector('button.name')?.setAttribute('aria-expanded', 'false');
  openLeads.delete(row.dataset.leadId);
}

// ── loading ─────────────────────────────────────────────────────────────────────────────────

/** Each section loads on its own, so one failing route shows its error without blanking the rest. */
async function section(name, load) {
  try {
    await load();
    return null;
  } catch (err) {
    if (err instanceof Unauthorised) throw err;
    return `${name}: ${err.message}`;
  }
}

let loading = false;

async function loadAll() {
  if (!apiKey()) return askForKey();
  if (loading) return;
  loading = true;
  document.body.dataset.state = 'loading';
  const workspaceAnswer = api('/api/workspace').then((answer) => {
    SYSTEMS = answer.systems ?? [];
    return answer;
  });
  workspaceAnswer.catch(() => undefined); // surfaced by the workspace section
  try {
    const errors = (
      await Promise.all([
        section('workspace', async () => {
          const { workspace, oauth } = await workspaceAnswer;
          $('workspace').textContent = workspace.name ?? workspace.id;
          document.title = `qualify · ${workspace.name ?? workspace.id}`;
          renderConnect(oauth);
        }),
        section('funnel', async () => {
          const f = await api('/api/funnel');
          renderFunnel(f.stages ?? {}, f.flow ?? [], f.since);
          renderConversion(f.conversionByGrade);
          renderHistogram(f.scoreHistogram);
          renderGrades(f.grades);
        }),
        // Connections are named by their system's label, which the workspace answer carries.
        section('connections', async () => {
          const [connections] = await Promise.all([api('/api/connections'), workspaceAnswer.catch(() => undefined)]);
          renderConnections(connections.connections);
        }),
        section('leads', loadLeads),
      ])
    ).filter(Boolean);
    $('key-panel').hidden = true;
    $('content').hidden = false;
    $('refresh').hidden = false;
    $('forget').hidden = false;
    $('error').hidden = errors.length === 0;
    $('error').textContent = errors.length ? `Could not load ${errors.join(' · ')}` : '';
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.state = errors.length ? 'error' : 'ready';
  } catch (err) {
    if (!(err instanceof Unauthorised)) throw err;
    localStorage.removeItem(KEY_STORAGE);
    askForKey('That key was refused (401): it may be mistyped or revoked. Paste a workspace API key.');
  } finally {
    loading = false;
  }
}

function init() {
  for (const s of [...FUNNEL, ...SIDE_STAGES]) $('filter-stage').append(h('option', { value: s }, STAGE_LABEL[s]));
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('key-input').value.trim();
    if (!key) return;
    localStorage.setItem(KEY_STORAGE, key);
    $('key-input').value = '';
    void loadAll();
  });
  $('forget').addEventListener('click', () => {
    localStorage.removeItem(KEY_STORAGE);
    askForKey();
  });
  $('refresh').addEventListener('click', () => void loadAll());
  $('connect').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-system]');
    if (button && !button.disabled) void startInstall(button);
  });
  $('leads').tBodies[0].addEventListener('click', (e) => {
    const button = e.target.closest('button.name');
    if (!button) return;
    const row = button.closest('tr');
    if (openLeads.has(row.dataset.leadId)) hideDetails(row);
    else void showDetails(row).catch(showLeadsError);
  });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    filters.stage = $('filter-stage').value;
    filters.grade = $('filter-grade').value;
    filters.email = $('filter-email').value.trim();
    filters.offset = 0;
    void loadLeads().catch(showLeadsError);
  });
  for (const id of ['filter-stage', 'filter-grade']) $(id).addEventListener('change', () => $('filters').requestSubmit());
  $('prev').addEventListener('click', () => {
    filters.offset = Math.max(0, filters.offset - PAGE_SIZE);
    void loadLeads().catch(showLeadsError);
  });
  $('next').addEventListener('click', () => {
    filters.offset += PAGE_SIZE;
    void loadLeads().catch(showLeadsError);
  });
  window.addEventListener('hashchange', () => {
    takeKeyFromUrl();
    void loadAll();
  });
  // A glance that stays current while the tab is open; nothing is fetched in a hidden tab.
  setInterval(() => {
    if (document.visibilityState === 'visible' && apiKey() && document.body.dataset.state !== 'need-key') void loadAll();
  }, REFRESH_MS);
  takeKeyFromUrl();
  void loadAll();
}

function showLeadsError(err) {
  if (err instanceof Unauthorised) {
    localStorage.removeItem(KEY_STORAGE);
    askForKey('That key was refused (401): it may be mistyped or revoked. Paste a workspace API key.');
    return;
  }
  $('error').hidden = false;
  $('error').textContent = `Could not load leads: ${err.message}`;
}

init();

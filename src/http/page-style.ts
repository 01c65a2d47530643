// The one stylesheet of the server's own HTML pages (the OGC API's, the API viewer's header, the
// Scale API index), inline: the Content-Security-Policy (security-headers.ts) allows exactly this
// text by its hash, and nothing else inline. No style attributes in the pages (the policy refuses
// them): status colours are classes, progress is a <progress> element. Colours follow the dashboard's.
export const PAGE_STYLE = [
  ':root{--fg:#1d2733;--muted:#667585;--line:#d9e0e7;--bg:#f4f6f8;--accent:#1f4e79;--ok:#2e7d32;--ok-bg:#dcefdc;--run:#1565c0;--run-bg:#d7e7fa;--wait:#8d6e00;--wait-bg:#fbf0c9;--bad:#c62828;--bad-bg:#f8dada;--off:#6d7680;--off-bg:#e6e9ec}',
  'body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}',
  'a{color:var(--accent)}',
  'body>header{display:flex;flex-wrap:wrap;align-items:center;gap:6px 18px;padding:8px 20px;background:var(--accent);color:#fff}',
  'body>header a{color:#fff;text-decoration:none}body>header a:hover{text-decoration:underline}body>header .brand{font-weight:700;font-size:16px}',
  'body>header nav{display:flex;flex-wrap:wrap;gap:4px 14px}',
  'main,body>footer{max-width:72rem;margin:0 auto;padding:12px 20px 24px}body>footer{padding-top:0;color:var(--muted);font-size:12px}',
  // Content rules are scoped to the page's own panels: the API viewer's Swagger UI has its own.
  '.crumbs{margin:0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:6px;color:var(--muted);font-size:13px}.crumbs li+li::before{content:"/";margin-right:6px}',
  'main>h1{font-size:22px;margin:8px 0 4px}.panel h2{font-size:16px;margin:0 0 8px}',
  'p.lead{color:var(--muted);margin:0 0 12px}',
  '.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:0 0 14px;overflow-x:auto}',
  '.panel table{border-collapse:collapse;width:100%}.panel th,.panel td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}',
  '.panel th{font-size:12px;color:var(--muted);font-weight:600}.panel td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}',
  'dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}',
  '.panel dl:not(.facts) dt{font-weight:600}.panel dl:not(.facts) dd{margin:0 0 .4em 1.5em}.panel ul{margin:0;padding-left:1.2em}',
  '.panel code,.panel pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}.panel code{background:#f0f3f6;padding:0 3px;border-radius:3px}',
  '.panel pre{background:#f7f9fb;border:1px solid var(--line);border-radius:4px;padding:8px 10px;overflow:auto;max-height:28em;margin:6px 0}',
  '.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(15em,1fr));gap:12px;margin:12px 0}',
  '.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 14px}.card h2{margin:0 0 4px;font-size:15px}.card p{margin:0;color:var(--muted);font-size:13px}',
  '.panel ul.links{margin:0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:8px}',
  'a.button{display:inline-block;padding:3px 12px;border:1px solid var(--line);border-radius:4px;background:#fff;text-decoration:none}a.button:hover{border-color:var(--accent)}',
  '.muted{color:var(--muted)}.tag{display:inline-block;padding:0 6px;margin:1px 2px 1px 0;border:1px solid var(--line);border-radius:3px;font-size:12px;background:#fafbfc;white-space:nowrap}',
  '.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11.5px;font-weight:600;background:var(--off-bg);color:var(--off)}',
  '.status-successful{background:var(--ok-bg);color:var(--ok)}.status-running{background:var(--run-bg);color:var(--run)}.status-accepted{background:var(--wait-bg);color:var(--wait)}',
  '.status-failed{background:var(--bad-bg);color:var(--bad)}.status-dismissed{background:var(--off-bg);color:var(--off)}',
  'progress{width:8em;height:.9em;vertical-align:middle;accent-color:var(--run)}',
  '.panel.failure{border-color:var(--bad);background:#fff7f7;color:var(--bad)}',
  'form.filter{display:flex;flex-wrap:wrap;align-items:end;gap:8px 14px;margin:0 0 12px}form.filter label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}',
  'form.filter input,form.filter select,form.filter button{font:inherit;padding:3px 6px;border:1px solid #aab6c2;border-radius:4px;background:#fff;color:var(--fg)}',
  '.pager{display:flex;gap:14px;margin:10px 0 0}',
  '#swagger-ui .swagger-ui .wrapper{padding:0}#swagger-ui .swagger-ui .information-container .info{margin:12px 0}',
].join('');

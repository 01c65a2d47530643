// The style of the server's HTML pages (the OGC API's), inline: the Content-Security-Policy
// (security-headers.ts) allows exactly this text by its hash.
export const PAGE_STYLE = 'body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}dt{font-weight:bold}dd{margin:0 0 .5em 1.5em}code{background:#f4f4f4}';

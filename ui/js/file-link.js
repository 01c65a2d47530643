// A link to a stored file's content. A plain link carries no Authorization header: with a token,
// the click fetches the file and saves it instead.
import { download, getToken } from './api.js';
import { h } from './dom.js';

export function fileLink(f) {
  const url = `/scale/files/${f.id}/content`;
  const a = h('a', { href: url, download: f.file_name, class: 'file-link', data: { file: f.id } }, f.file_name);
  a.addEventListener('click', (e) => {
    if (!getToken()) return;
    e.preventDefault();
    download(url, f.file_name).catch((err) => window.dispatchEvent(new CustomEvent('ui-error', { detail: err })));
  });
  return a;
}

/* clusterviz — evidence lines and source reasons in the viewer's language.
 *
 * The server's pattern table (dashboard/access/evidence.py) reaches the page as the json_script block
 * #evidence-i18n: [[regex, template], …]. A line of no known shape stays as the core wrote it (English).
 * The table is read on first use, not at import.
 */
export function compileEvidence(pairs) {
  return (pairs || []).map(([p, t]) => [new RegExp(p), t]);
}

export function translateWith(table, text) {
  for (const [re, template] of table) {
    const m = re.exec(text);
    if (m) return template.replace(/%\((\w+)\)s/g, (_m, k) => translateWith(table, (m.groups || {})[k] || ''));
  }
  return text;
}

let pageTable = null;
function fromPage() {
  const node = typeof document !== 'undefined' ? document.getElementById('evidence-i18n') : null;
  try { return node ? compileEvidence(JSON.parse(node.textContent)) : []; } catch (e) { return []; }
}

export function evText(text) {
  if (pageTable === null) pageTable = fromPage();
  return translateWith(pageTable, text);
}

// Renders the OpenAPI document as a table: works offline, no third-party viewer.
const body = document.querySelector('#endpoints tbody');

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

const doc = await (await fetch('/api/openapi.json')).json();
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (method === 'parameters') continue;
    const tr = document.createElement('tr');
    const answers = Object.entries(op.responses || {})
      .map(([code, r]) => `${code} ${r.description || ''}`.trim())
      .join('; ');
    tr.append(cell(method.toUpperCase()), cell(path), cell(op.summary || ''), cell(answers));
    body.append(tr);
  }
}

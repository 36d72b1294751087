/* global document, window */
// The index: the runs and studies tables (rendered and escaped by the server, src/serve/pages.ts)
// replaced whenever the outputs folder changes; runs checked for comparison stay checked.
import { follow } from './charts.js';

const button = document.getElementById('compare');
const checked = () => [...document.querySelectorAll('input.pick:checked')].map((c) => c.value);

function refreshButton() {
  const n = checked().length;
  button.disabled = n < 2;
  button.textContent = n < 2 ? 'compare the checked runs (check two or more)' : `compare the ${n} checked runs`;
}

document.addEventListener('change', (e) => {
  if (e.target.classList?.contains('pick')) refreshButton();
});
button.addEventListener('click', () => {
  window.location.href = `/compare?runs=${checked().map(encodeURIComponent).join(',')}`;
});

follow('/api/index/events', ({ runs, studies }) => {
  const keep = new Set(checked());
  document.getElementById('runs').innerHTML = runs;
  document.getElementById('studies').innerHTML = studies;
  for (const box of document.querySelectorAll('input.pick')) box.checked = keep.has(box.value);
  refreshButton();
});
refreshButton();

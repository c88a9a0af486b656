// Progressive enhancement only: every page works without this file.
import { initAll } from '/assets/nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()

// A formulation prints its answers from copies beside each box: keep them in step with what is typed.
for (const box of document.querySelectorAll('textarea[data-print-copy]')) {
  const copy = document.getElementById(box.dataset.printCopy)
  if (copy) box.addEventListener('input', () => { copy.textContent = box.value })
}

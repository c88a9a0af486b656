// Progressive enhancement only: every page works without this file.
import { initAll } from '/assets/nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()

// A formulation prints its answers from copies beside each box: keep them in step with what is typed, including
// anything typed before this script ran, and once more as the page is printed.
const printCopies = [...document.querySelectorAll('textarea[data-print-copy]')]
  .map((box) => [box, document.getElementById(box.dataset.printCopy)]).filter(([, copy]) => copy)
const copyForPrint = () => { for (const [box, copy] of printCopies) copy.textContent = box.value }
for (const [box, copy] of printCopies) box.addEventListener('input', () => { copy.textContent = box.value })
copyForPrint()
window.addEventListener('beforeprint', copyForPrint)

// "Insert paragraph" puts a saved paragraph where the cursor is, without sending the form (the server does the
// same, after what is written, when scripts do not run).
for (const button of document.querySelectorAll('button[data-insert-into]')) {
  const box = document.getElementById(button.dataset.insertInto)
  const picker = document.getElementById(button.dataset.insertFrom)
  if (!box || !picker) continue
  button.addEventListener('click', (event) => {
    const chosen = picker.selectedOptions[0]
    if (!chosen || !chosen.dataset.body) return // nothing chosen: the server says so
    event.preventDefault()
    const start = box.selectionStart ?? box.value.length
    const before = box.value.slice(0, start).replace(/\s+$/, '')
    const after = box.value.slice(box.selectionEnd ?? start)
    box.value = (before ? before + '\n\n' : '') + chosen.dataset.body + after
    const end = (before ? before.length + 2 : 0) + chosen.dataset.body.length
    box.focus()
    box.setSelectionRange(end, end)
  })
}

// While a worker types their question, the practice notes and templates that match it (the "Check for existing
// answers" button shows the same without scripts).
for (const panel of document.querySelectorAll('[data-suggest-from]')) {
  const box = document.getElementById(panel.dataset.suggestFrom)
  if (!box) continue
  let timer, asked = ''
  box.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      const q = box.value.trim().slice(0, 200)
      if (q === asked || q.split(/\s+/).length < 2) return
      asked = q
      const response = await fetch(`${panel.dataset.suggestUrl}?q=${encodeURIComponent(q)}`, { credentials: 'same-origin' })
      if (response.ok && q === asked) panel.innerHTML = await response.text()
    }, 400)
  })
}

// EMAS works without JavaScript; this only adds small comforts.
// A button with data-confirm asks before its form is sent (deactivating an account, revoking a token).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// A one-time secret is selected on click so it can be copied in one go.
document.querySelectorAll("code.secret").forEach((el) => {
  el.addEventListener("click", () => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  });
});
// An import running in the background: its progress bar follows the server without reloading,
// and the page reloads once the import has finished.
const progressBox = document.getElementById("import-progress");
if (progressBox) {
  const bar = progressBox.querySelector("progress");
  const done = progressBox.querySelector(".progress-done");
  const poll = async () => {
    try {
      const response = await fetch(progressBox.dataset.progressUrl, { credentials: "same-origin" });
      const state = await response.json();
      if (state.total === 0) {
        window.location.reload();
        return;
      }
      bar.max = state.total;
      bar.value = state.done;
      done.textContent = state.done;
    } catch (e) {
      // A dropped request is retried on the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}
// The review queue on the keyboard: S, D and N press the decision buttons that carry them, so a
// registrar can work through a queue without the mouse. Keys typed into a field are left alone.
const decideForm = document.getElementById("decide");
if (decideForm) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest("input, textarea, select")) {
      return;
    }
    const button = decideForm.querySelector(`button[data-key="${event.key.toLowerCase()}"]`);
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
}

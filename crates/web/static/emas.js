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

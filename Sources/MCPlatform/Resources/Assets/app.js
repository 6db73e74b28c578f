// MCPlatform dashboard: the little script the pages use. Everything works without it;
// it adds copy buttons and confirmation prompts.
"use strict";

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  event.preventDefault();
  const text = button.dataset.copy || "";
  try {
    await navigator.clipboard.writeText(text);
    button.dataset.state = "copied";
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    button.dataset.state = "copied";
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; delete button.dataset.state; }, 1500);
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

document.addEventListener("change", (event) => {
  if (event.target.id === "org-switcher" && event.target.value) window.location.href = event.target.value;
});

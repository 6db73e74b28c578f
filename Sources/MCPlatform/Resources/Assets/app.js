// MCPlatform dashboard: the little script the pages use. Everything works without it;
// it adds copy buttons, confirmation prompts, live job progress and Markdown previews.
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

// Progress bars take their width from data-percent (inline styles are not allowed by the CSP).
function paintBars() {
  for (const bar of document.querySelectorAll(".progress .bar[data-percent]")) bar.style.width = bar.dataset.percent + "%";
}
paintBars();

// An ingestion job's page follows the job until it finishes, then reloads once to show the outcome.
const progress = document.getElementById("job-progress");
if (progress && progress.dataset.running === "true") {
  const poll = async () => {
    try {
      const response = await fetch(progress.dataset.progressUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return setTimeout(poll, 3000);
      const job = await response.json();
      for (const key of ["done", "total", "indexed", "unchanged", "failed"]) {
        const element = document.getElementById("job-" + key);
        if (element) element.textContent = job[key];
      }
      document.getElementById("job-status").textContent = job.status;
      const bar = document.getElementById("job-bar");
      bar.dataset.percent = job.percent;
      paintBars();
      if (job.finished) return window.location.reload();
      setTimeout(poll, 1000);
    } catch {
      setTimeout(poll, 3000);
    }
  };
  setTimeout(poll, 1000);
}

// A textarea with data-preview-target shows its Markdown rendered in that element while one
// types: 300 ms after the last keystroke the text is posted (with the form's CSRF token) to
// data-preview-url, and the server's HTML (escaped, links checked) replaces the preview.
const previewTimers = new WeakMap();
const previewRequests = new WeakMap();
document.addEventListener("input", (event) => {
  const area = event.target;
  if (!(area instanceof HTMLTextAreaElement) || !area.dataset.previewTarget) return;
  clearTimeout(previewTimers.get(area));
  previewTimers.set(area, setTimeout(async () => {
    const target = document.getElementById(area.dataset.previewTarget);
    const csrf = area.form && area.form.querySelector('input[name="_csrf"]');
    if (!target || !csrf) return;
    const sequence = (previewRequests.get(area) || 0) + 1;
    previewRequests.set(area, sequence);
    try {
      const response = await fetch(area.dataset.previewUrl, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf.value, markdown: area.value }),
      });
      // Only the answer to the latest text counts.
      if (response.ok && previewRequests.get(area) === sequence) {
        target.innerHTML = await response.text();
        target.dataset.state = "fresh";
      }
    } catch {
      target.dataset.state = "stale";
    }
  }, 300));
});

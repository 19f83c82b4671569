// The line board's daily activity chart (Chart.js, vendored). Data comes from a JSON block on the page: no inline script.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("daily-data");
  const canvas = document.getElementById("daily-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const rows = JSON.parse(source.textContent || "[]");
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => String(r.date || r.day || "").slice(0, 10)),
      datasets: [
        { label: "messages", data: rows.map((r) => r.messages || 0), backgroundColor: "#00437a" },
        { label: "flares", data: rows.map((r) => r.flares || 0), backgroundColor: "#b35c00" },
      ],
    },
    options: { animation: false, responsive: true, scales: { y: { beginAtZero: true } } },
  });
});

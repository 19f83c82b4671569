// The network view (Cytoscape.js, vendored). Each expansion asks the server, which checks the policy and audits it.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("graph-data");
  const box = document.getElementById("graph");
  if (!source || !box || typeof cytoscape === "undefined") return;
  const start = JSON.parse(source.textContent || "{}");
  const status = document.getElementById("graph-status");
  const list = document.getElementById("node-list");
  const roleColour = { controller: "#a4000f", holder: "#b35c00", runner: "#1b6e2b", customer: "#6b4c9a" };
  const kindColour = { nominal: "#00437a", phone: "#555", address: "#7a5c00", line: "#a4000f" };
  const cy = cytoscape({
    container: box,
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 9, "background-color": "data(colour)", "border-width": "data(border)", "border-color": "#111" } },
      { selector: "edge", style: { width: 1.5, "line-color": "#999", label: "data(kind)", "font-size": 7 } },
    ],
  });
  const seen = new Set();
  function add(part) {
    for (const n of part.nodes || []) {
      if (cy.getElementById(n.node_id).length) continue;
      const kind = String(n.node_id).split(":")[0];
      cy.add({ data: { id: n.node_id, label: n.label, colour: roleColour[n.role] || kindColour[kind] || "#333", border: n.key_player ? 4 : 0 } });
      if (!document.querySelector(`[data-node="${CSS.escape(n.node_id)}"]`)) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button"; b.className = "expand"; b.dataset.node = n.node_id;
        b.textContent = `${kind}: ${n.label}${n.role ? ` (${n.role}${n.key_player ? ", key player" : ""})` : ""}`;
        li.appendChild(b); list.appendChild(li);
      }
    }
    for (const e of part.edges || []) {
      const id = `${e.src}|${e.kind}|${e.dst}`;
      if (cy.getElementById(id).length) continue;
      cy.add({ data: { id, source: e.src, target: e.dst, kind: e.kind } });
    }
    cy.layout({ name: "cose", animate: false }).run();
  }
  async function expand(node) {
    if (seen.has(node)) return;
    seen.add(node);
    const params = new URLSearchParams(window.location.search);
    params.set("node", node); params.set("format", "json"); params.delete("start"); params.delete("kind");
    const answer = await fetch(`/network/expand?${params}`, { headers: { Accept: "application/json" } });
    if (!answer.ok) { status.textContent = `Could not expand ${node}: not found, or not yours to see.`; return; }
    add(await answer.json());
    status.textContent = `Expanded ${node}: ${cy.nodes().length} nodes shown.`;
  }
  add(start);
  seen.add(start.start);
  cy.on("tap", "node", (evt) => expand(evt.target.id()));
  list.addEventListener("click", (evt) => { const b = evt.target.closest("button.expand"); if (b) expand(b.dataset.node); });
});

"""Phone contact edges from the comms lake, as named steps in DuckDB's dialect (Spark runs them transpiled).

Given tables: ``ev`` (the lake, as the lines stage sees it) and ``seeds`` (the
line numbers). The graph is bounded to numbers within two hops of a line
number: every edge kept has at least one end within one hop, so its other end
is at most two hops out. That keeps the graph proportional to the lines, not
to the lake. Each pair of numbers is one undirected edge with its counts and
its first and last contact; each number's handsets come from the IMEIs its own
outbound traffic carried.
"""

from __future__ import annotations

from crossline.engine.steps import Step

EDGE_STEPS: tuple[Step, ...] = (
    Step("hop1", """
        SELECT DISTINCT number FROM (
          SELECT number FROM seeds
          UNION ALL SELECT e.b AS number FROM ev e JOIN seeds s ON e.a = s.number
          UNION ALL SELECT e.a AS number FROM ev e JOIN seeds s ON e.b = s.number
        ) h WHERE number IS NOT NULL"""),
    Step("near", """
        SELECT e.a, e.b, e.kind, e.t, e.imei FROM ev e
        LEFT JOIN hop1 ha ON e.a = ha.number
        LEFT JOIN hop1 hb ON e.b = hb.number
        WHERE (ha.number IS NOT NULL OR hb.number IS NOT NULL) AND e.a IS NOT NULL AND e.b IS NOT NULL AND e.a <> e.b"""),
    Step("contact_edges", """
        SELECT CASE WHEN a < b THEN a ELSE b END AS u, CASE WHEN a < b THEN b ELSE a END AS v,
               count(*) AS contacts,
               CAST(sum(CASE WHEN kind = 'voice' THEN 1 ELSE 0 END) AS BIGINT) AS voice,
               CAST(sum(CASE WHEN kind = 'voice' THEN 0 ELSE 1 END) AS BIGINT) AS texts,
               min(t) AS first_t, max(t) AS last_t
        FROM near
        GROUP BY CASE WHEN a < b THEN a ELSE b END, CASE WHEN a < b THEN b ELSE a END"""),
    Step("number_handsets", """
        SELECT a AS number, imei, count(*) AS contacts, min(t) AS first_t, max(t) AS last_t
        FROM near WHERE imei IS NOT NULL AND imei <> '' GROUP BY a, imei"""),
)
KEEP = {"hop1", "near", "contact_edges", "number_handsets"}

"""The lines stage's SQL, written once as named steps in DuckDB's dialect.

Each step is a :class:`crossline.engine.steps.Step`: a SELECT over earlier
steps' names and the given tables (``ev``: one row per comms row, ``t`` in Unix
seconds; ``cells``; ``line_map``). The engines in :mod:`crossline.engine` run
them: DuckDB as written, Spark transpiled with SQLGlot. What each step reads is
worked out from its SQL (``engine.steps.reads``), and a test checks that every
step reads only what comes before it.

The SQL keeps to what both engines share: integer arithmetic on ``t`` (no
time-zone functions: the lake is naive UTC and DuckDB has no ICU here),
``count(DISTINCT ...)``, ``lag`` and ``sum`` windows, ``median`` and plain joins
(no ``IN (subquery)`` under ``OR``, no ``QUALIFY``, no lists).

Two phases: :func:`feature_steps` finds candidate numbers (those that sent a
bulk burst, texted many distinct people in a day, or took many short contacts
on several days) and computes per number per day features over their traffic only;
after scoring and successions (in Python, small tables) :func:`line_steps`
gathers customers, runners and cells per line with the ``line_map`` the
Python side registers. The whole lake is read in two passes: two plain aggregates
(texts per sender per day, short contacts per receiver per day) on a 64-bit hash
of each number (on DuckDB a few lake days at a time: :func:`lake_days_fold`), which names a superset of the candidates (numbers sharing a hash
only add their counts), then that superset's traffic (the lake holds each event once), where
the counts are taken again exactly on the numbers; bursts, candidates and
everything after run on that slice, with each number as the BIGINT of its
E.164 digits (:func:`number_key`; the tables Python reads carry the text
again). See docs/lines.md, "How it runs at scale".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from crossline.engine.steps import Step
from crossline.settings.lines import LinesSettings

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# --- UK civil time without a time-zone library --------------------------------------------------


def _last_sunday(year: int, month: int) -> datetime:
    d = datetime(year, month, 31 if month in (3, 10) else 30, 1, tzinfo=UTC)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def local_offset_sql(years: Sequence[int]) -> str:
    """``t`` plus this is UK civil time: +3600 s between the last Sundays of March and October, 01:00 UTC.

    People text by the clock on the wall, so flares recur at the same *local* time;
    the rule is the UK's since 1996 (Summer Time Order 2002). Written as integer
    comparisons so that both engines evaluate it identically.
    """
    ys = sorted(set(years)) or list(range(2015, 2041))
    whens = " ".join(
        f"WHEN t >= {int(_last_sunday(y, 3).timestamp())} AND t < {int(_last_sunday(y, 10).timestamp())} THEN 3600"
        for y in ys
    )
    return f"(CASE {whens} ELSE 0 END)"


def years_of(paths: Sequence[str]) -> list[int]:
    """Years the lake covers, from its ``day=YYYY-MM-DD`` folders (no data read)."""
    ys = {int(m.group(1)) for p in paths for m in [re.search(r"day=(\d{4})-", p)] if m}
    return sorted(ys | {y + 1 for y in ys} | {y - 1 for y in ys}) if ys else []


# --- numbers as integers ---------------------------------------------------------------------------
#
# A lake number is E.164 text (the importer writes every comms number through ``contract.phones``): a ``+``
# and at most 19 digits, never starting with 0, which ``phonenumbers``' longest possible numbers (Indonesia and
# Japan, 19 digits from 62 and 81) keep below 2^63. Dropping the ``+`` and reading the digits as a BIGINT is
# therefore exact and reversible, and from `sev` on every step groups, joins and sorts 8-byte integers instead
# of 13-byte strings (DuckDB keeps strings of 12 bytes or fewer inline: a UK mobile is one byte over). The
# tables Python reads get their numbers back as text. tests/lines/test_lines_sql.py checks the bound.


def number_key(column: str) -> str:
    """SQL for the BIGINT a lake number travels as inside the steps (a number that is not E.164 fails the step)."""
    return f"CAST(substr({column}, 2) AS BIGINT)"


def number_text(column: str) -> str:
    """SQL for the E.164 text of a number key: the inverse of :func:`number_key`."""
    return f"('+' || CAST({column} AS VARCHAR))"


# --- phase 1: candidates and per number per day features ----------------------------------------


def _params(s: LinesSettings, years: Sequence[int]) -> dict[str, Any]:
    """The values the feature steps' SQL is written with."""
    offset = local_offset_sql(years)
    return {
        "offset": offset,
        "day32": f"CAST((t + {offset}) // 86400 AS INTEGER)",  # a local day in 4 bytes, for the first pass's group keys
        "key_a": number_key("e.a"), "key_b": number_key("e.b"),
        "d_number": number_text("d.number"), "c_number": number_text("c.a"),
        "number": number_text("number"), "party": number_text("party"),
        "min_burst": int(s.min_burst),
        "gap": int(s.burst_gap_s),
        "tol": int(s.flare_time_tolerance_min) * 60,
        "window": int(s.regularity_window_days),
        "short": int(s.short_contact_s),
        "relay": int(s.relay_window_s),
        "relay_days": int(s.relay_min_days),
        "reply": int(s.reply_window_s),
        "quiet_contacts": int(s.quiet_min_contacts),
        "quiet_days": int(s.quiet_min_days),
    }


def _lake_sides(p: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """The first pass's two ends: (side, the column counted, the rows it counts, the count a day must reach).

    Texts per sender (a burst needs `min_burst`), and texts and short calls per receiver (an order-taking day).
    """
    return [("sent", "a", "kind <> 'voice'", p["min_burst"]),
            ("received", "b", f"kind <> 'voice' OR dur <= {p['short']}", p["quiet_contacts"])]


def feature_steps(s: LinesSettings, years: Sequence[int]) -> list[Step]:
    """The steps from the lake (``ev``) and ``cells`` to ``number_day`` and the tables Python needs."""
    p = _params(s, years)
    steps = [
        # 1. the first of two passes over the lake: per sender per day texts and per receiver per day short
        # contacts, keeping only the sender-days that could hold a burst and the receiver-days that look like taking
        # orders. Two plain aggregates, one per end, each over its own filtered branch of the lake and on a 4-byte
        # day, are cheaper than GROUPING SETS over every short contact (about a sixth less CPU on 60 day files): the
        # sender side groups texts only. It groups on a 64-bit hash of each number, not the number: hashing a short
        # string once is cheaper than grouping 70 M strings, and numbers that share a hash only add their counts, so
        # every number that passes on its own passes under its hash (a superset; the exact counts are taken again
        # in `sev`). Calls longer than a short contact count for neither side
        Step("lake_days", " UNION ALL ".join(f"""
            SELECT h, day, '{side}' AS side FROM (
              SELECT h, day FROM (
                SELECT hash({end}) AS h, {p['day32']} AS day FROM ev WHERE {where}) x
              GROUP BY h, day HAVING count(*) >= {need}) {side}""" for side, end, where, need in _lake_sides(p))),
        # the hashes of every number that could be a candidate (a burst or a spread needs a sender-day with
        # enough texts; an order taker, enough short contacts on enough days)
        Step("supers", """
            SELECT DISTINCT h FROM (
              SELECT h FROM lake_days WHERE side = 'sent'
              UNION ALL
              SELECT h FROM lake_days WHERE side = 'received' GROUP BY h HAVING count(*) >= {quiet_days}) x"""),
        # 2. the second and last pass: the superset's traffic. The lake holds each event once (the importer merges
        # every import with the day's files on the contract's event key: ingest.comms_lake), so nothing is
        # de-duplicated again here. Local time is worked out here, on the kept rows only, and the numbers become
        # integers (see number_key).
        Step("sev", """
            SELECT {key_a} AS a, {key_b} AS b, e.kind, e.t, e.dur, e.imei, e.a_cell, e.b_cell,
                   e.t + {offset} AS lt, (e.t + {offset}) // 86400 AS day
            FROM ev e
            LEFT JOIN supers sa ON hash(e.a) = sa.h
            LEFT JOIN supers sb ON hash(e.b) = sb.h
            WHERE sa.h IS NOT NULL OR sb.h IS NOT NULL"""),
        # the exact counts, on the numbers themselves: every row a superset number sent or received is in `sev`
        # (a number outside the superset has fewer than enough rows there, as in the lake)
        Step("sender_days", """
            SELECT a, day FROM sev WHERE kind <> 'voice' GROUP BY a, day HAVING count(*) >= {min_burst}"""),
        # numbers that took `quiet_contacts` short contacts on `quiet_days` days: a line that never flares
        # still takes its customers' orders
        Step("order_takers", """
            SELECT b FROM (
              SELECT b, day FROM sev WHERE kind <> 'voice' OR dur <= {short} GROUP BY b, day HAVING count(*) >= {quiet_contacts}) x
            GROUP BY b HAVING count(*) >= {quiet_days}"""),
        # the texts of sender-days with enough texts
        Step("day_texts", """
            SELECT e.a, e.b, e.t, e.lt, e.day
            FROM sev e JOIN sender_days s ON e.a = s.a AND e.day = s.day
            WHERE e.kind <> 'voice'"""),
        # 3. bursts: runs of texts no more than `gap` seconds apart, found from their edges in one sort. Ordered by
        # time alone: texts sent in the same second are 0 s apart, so they always share a run, and only the first
        # of them in the sort can start one (its predecessor is more than `gap` before) and only the last can end
        # one: one start row and one end row per run, whatever order ties sort in. `rn` counts the texts before.
        Step("text_edges", """
            SELECT a, t, lt, rn, starts, ends FROM (
              SELECT a, t, lt, CAST(row_number() OVER (PARTITION BY a ORDER BY t) AS BIGINT) AS rn,
                     CASE WHEN t - lag(t) OVER (PARTITION BY a ORDER BY t) <= {gap} THEN 0 ELSE 1 END AS starts,
                     CASE WHEN lead(t) OVER (PARTITION BY a ORDER BY t) - t <= {gap} THEN 0 ELSE 1 END AS ends
              FROM day_texts) x
            WHERE starts = 1 OR ends = 1"""),
        # a sender's k-th start and k-th end bound its k-th run (runs do not overlap); only runs of at least
        # `min_burst` texts can reach `min_burst` distinct recipients. Local days never go backwards (the clocks
        # change at 01:00 UTC, away from midnight), so a run touches the days from its start's to its end's
        Step("runs", """
            SELECT s.a, s.k AS burst, s.t AS start_t, e.t AS end_t, s.day AS start_day, e.day AS end_day FROM
              (SELECT a, t, rn, lt // 86400 AS day, row_number() OVER (PARTITION BY a ORDER BY t) AS k
               FROM text_edges WHERE starts = 1) s
            JOIN
              (SELECT a, t, rn, lt // 86400 AS day, row_number() OVER (PARTITION BY a ORDER BY t) AS k
               FROM text_edges WHERE ends = 1) e
            ON s.a = e.a AND s.k = e.k
            WHERE e.rn - s.rn + 1 >= {min_burst}"""),
        # each run under every day it touches, so that its texts are found by an equi-join on sender and day
        Step("run_days", """
            SELECT a, burst, start_t, end_t, start_day AS day FROM runs WHERE start_day = end_day
            UNION ALL
            SELECT r.a, r.burst, r.start_t, r.end_t, d.day
            FROM runs r JOIN (SELECT DISTINCT day FROM day_texts) d ON d.day >= r.start_day AND d.day <= r.end_day
            WHERE r.start_day < r.end_day""", keep=False),
        # a burst: a run that reached `min_burst` distinct recipients (its earliest local time is taken over its texts:
        # the autumn clock change can put a later text an hour earlier by the clock)
        Step("bursts", """
            SELECT r.a, r.burst, min(r.start_t) AS start_t, max(r.end_t) AS end_t, min(x.lt) AS start_lt,
                   count(DISTINCT x.b) AS recipients
            FROM day_texts x JOIN run_days r ON x.a = r.a AND x.day = r.day AND x.t >= r.start_t AND x.t <= r.end_t
            GROUP BY r.a, r.burst HAVING count(DISTINCT x.b) >= {min_burst}"""),
        # each burst's time span, under the day(s) it touches, to mark flare texts by a cheap equi-join
        Step("burst_windows", """
            SELECT DISTINCT a, day, start_t, end_t FROM (
              SELECT a, start_lt // 86400 AS day, start_t, end_t FROM bursts
              UNION ALL
              SELECT a, (start_lt + end_t - start_t) // 86400 AS day, start_t, end_t FROM bursts
            ) w"""),
        # a line that never flares still texts its customers one by one (a new number's notice):
        # numbers that texted `min_burst` distinct people in a day are candidates too
        Step("spread_senders", """
            SELECT DISTINCT a FROM (
              SELECT a FROM day_texts GROUP BY a, day HAVING count(DISTINCT b) >= {min_burst}) x"""),
        Step("candidates", """
            SELECT DISTINCT number FROM (
              SELECT a AS number FROM bursts UNION ALL SELECT a AS number FROM spread_senders
              UNION ALL SELECT b AS number FROM order_takers) x"""),
        # 4. the candidates' traffic, from the superset's (no third pass); `a_cand` and `b_cand` say which end is a
        # candidate, so the steps below filter on them instead of joining 13 M rows to the candidates again
        Step("cev", """
            SELECT e.a, e.b, e.kind, e.t, e.dur, e.imei, e.a_cell, e.b_cell, e.day,
                   CASE WHEN ca.number IS NULL THEN 0 ELSE 1 END AS a_cand, CASE WHEN cb.number IS NULL THEN 0 ELSE 1 END AS b_cand
            FROM sev e
            LEFT JOIN candidates ca ON e.a = ca.number
            LEFT JOIN candidates cb ON e.b = cb.number
            WHERE ca.number IS NOT NULL OR cb.number IS NOT NULL""", keep=False),
        Step("cevf", """
            SELECT c.a, c.b, c.kind, c.t, c.dur, c.imei, c.a_cell, c.b_cell, c.day, c.a_cand, c.b_cand,
                   CASE WHEN w.a IS NULL THEN 0 ELSE 1 END AS flare
            FROM cev c LEFT JOIN burst_windows w
              ON c.a = w.a AND c.day = w.day AND c.t >= w.start_t AND c.t <= w.end_t AND c.kind <> 'voice'"""),
        # 5. per number per day
        Step("out_day", """
            SELECT c.a AS number, c.day, count(*) AS outbound,
                   CAST(sum(CASE WHEN c.kind <> 'voice' THEN 1 ELSE 0 END) AS BIGINT) AS messages,
                   CAST(sum(CASE WHEN c.kind = 'voice' THEN 1 ELSE 0 END) AS BIGINT) AS calls,
                   min(c.t) AS first_out_t, max(c.t) AS last_out_t
            FROM cevf c WHERE c.a_cand = 1 GROUP BY c.a, c.day"""),
        Step("flare_day", """
            SELECT a AS number, start_lt // 86400 AS day, count(*) AS flares, max(recipients) AS max_burst,
                   min(start_lt % 86400) AS first_flare_tod, min(start_t) AS first_flare_t
            FROM bursts GROUP BY a, start_lt // 86400"""),
        Step("outbound_party_day", """
            SELECT c.a AS number, c.b AS party, c.day, max(c.flare) AS got_flare,
                   min(CASE WHEN c.flare = 0 THEN c.t END) AS first_direct,
                   max(CASE WHEN c.flare = 0 THEN c.t END) AS last_direct,
                   CAST(sum(CASE WHEN c.flare = 0 AND c.kind <> 'voice' THEN 1 ELSE 0 END) AS BIGINT) AS direct_texts
            FROM cevf c WHERE c.a_cand = 1 GROUP BY c.a, c.b, c.day"""),
        # a flare text's sender is a candidate (it sent the burst), so the flare recipients per day are the
        # outbound (number, party, day) groups that got a flare: no second pass over the events
        Step("flare_recipient_days", "SELECT number, party, day FROM outbound_party_day WHERE got_flare = 1"),
        Step("flare_recipients_day", """
            SELECT number, day, count(*) AS flare_recipients FROM flare_recipient_days GROUP BY number, day"""),
        Step("flare_times", "SELECT DISTINCT a AS number, start_lt // 86400 AS day, start_lt % 86400 AS tod FROM bursts"),
        Step("regular_day", """
            SELECT x.number, x.day, count(DISTINCT y.day) AS matched_days
            FROM flare_times x JOIN flare_times y
              ON x.number = y.number AND y.day < x.day AND y.day >= x.day - {window}
             AND abs(x.tod - y.tod) <= {tol}
            GROUP BY x.number, x.day"""),
        Step("recipient_gaps", """
            SELECT number, party, day, day - lag(day) OVER (PARTITION BY number, party ORDER BY day) AS since
            FROM flare_recipient_days""", keep=False),
        Step("stability_day", """
            SELECT number, day, CAST(sum(CASE WHEN since <= {window} + 1 THEN 1 ELSE 0 END) AS BIGINT) AS returning
            FROM recipient_gaps GROUP BY number, day"""),
        Step("inbound_party_day", """
            SELECT c.b AS number, c.a AS party, c.day, min(c.t) AS first_in, count(*) AS contacts,
                   max(CASE WHEN c.kind <> 'voice' OR c.dur <= {short} THEN 1 ELSE 0 END) AS short,
                   max(CASE WHEN c.kind = 'voice' AND c.dur > 0 THEN 1 ELSE 0 END) AS answered,
                   max(CASE WHEN c.kind = 'voice' THEN 1 ELSE 0 END) AS called
            FROM cevf c WHERE c.b_cand = 1 GROUP BY c.b, c.a, c.day"""),
        Step("party_day", """
            SELECT i.number, i.party, i.day, i.first_in, i.contacts, i.short, i.answered, i.called,
                   CASE WHEN o.last_direct > i.first_in THEN 1 ELSE 0 END AS called_back,
                   CASE WHEN o.first_direct >= i.first_in THEN o.first_direct END AS first_reply,
                   CASE WHEN i.day - lag(i.day) OVER (PARTITION BY i.number, i.party ORDER BY i.day) <= {window} THEN 1 ELSE 0 END
                     AS returning_party
            FROM inbound_party_day i LEFT JOIN outbound_party_day o
              ON i.number = o.number AND i.party = o.party AND i.day = o.day"""),
        # outbound_party_day has one row per number, party and day: plain counts are the distinct days
        Step("direct_contacts", """
            SELECT number, party, count(CASE WHEN direct_texts > 0 THEN day END) AS direct_days,
                   CAST(sum(direct_texts) AS BIGINT) AS direct_texts,
                   count(CASE WHEN got_flare = 1 THEN day END) AS flare_days
            FROM outbound_party_day GROUP BY number, party"""),
        # a text that answers its recipient's own recent contact is a reply, not an instruction
        Step("reply_texts", """
            SELECT DISTINCT c.a AS number, c.b AS party, c.t
            FROM cevf c
            JOIN cevf i ON i.a = c.b AND i.b = c.a AND i.day = c.day AND i.t <= c.t AND i.t >= c.t - {reply}
            WHERE c.a_cand = 1 AND c.kind <> 'voice' AND c.flare = 0"""),
        # a relay: a text to a regular third number within `relay` seconds of a party's first contact of the day, or of
        # the number's first direct answer to it that day (a line often texts or rings the customer back first, then
        # passes the job on); a person who texts friends all day answers no one first, so their later texts to others
        # are not anchored to anybody's order
        Step("relay_day", """
            SELECT p.number, p.day, count(DISTINCT p.party) AS relayed
            FROM party_day p
            JOIN cevf c ON c.a = p.number AND c.day = p.day AND c.kind <> 'voice' AND c.flare = 0
             AND ((c.t >= p.first_in AND c.t <= p.first_in + {relay})
                  OR (c.t >= p.first_reply AND c.t <= p.first_reply + {relay})) AND c.b <> p.party
            JOIN direct_contacts r ON r.number = c.a AND r.party = c.b AND r.direct_days >= {relay_days}
             AND r.direct_days > r.flare_days
            LEFT JOIN reply_texts x ON x.number = c.a AND x.party = c.b AND x.t = c.t
            WHERE x.number IS NULL
            GROUP BY p.number, p.day"""),
        Step("inbound_day", """
            SELECT number, day, count(*) AS inbound_parties, CAST(sum(short) AS BIGINT) AS short_parties,
                   CAST(sum(called_back) AS BIGINT) AS called_back,
                   CAST(sum(CASE WHEN answered = 1 OR called_back = 1 THEN 1 ELSE 0 END) AS BIGINT) AS confirmed,
                   CAST(sum(returning_party) AS BIGINT) AS repeat_parties
            FROM party_day GROUP BY number, day"""),
        Step("ends", """
            SELECT c.a AS number, c.b AS party, c.day, c.a_cell AS own_cell, c.b_cell AS other_cell, c.flare, 0 AS inbound
            FROM cevf c WHERE c.a_cand = 1
            UNION ALL
            SELECT c.b AS number, c.a AS party, c.day, c.b_cell AS own_cell, c.a_cell AS other_cell, 0 AS flare, 1 AS inbound
            FROM cevf c WHERE c.b_cand = 1"""),
        Step("distance_day", """
            SELECT e.number, e.day, count(*) AS located,
                   median(2 * 6371.0088 * asin(sqrt(
                       power(sin(radians(x.lat - o.lat) / 2), 2)
                       + cos(radians(o.lat)) * cos(radians(x.lat)) * power(sin(radians(x.lon - o.lon) / 2), 2)))) AS median_km
            FROM ends e JOIN cells o ON e.own_cell = o.cell_id JOIN cells x ON e.other_cell = x.cell_id
            GROUP BY e.number, e.day"""),
        Step("days", """
            SELECT number, day FROM out_day UNION SELECT number, day FROM inbound_day"""),
        Step("first_days", "SELECT number, min(day) AS first_day FROM out_day GROUP BY number"),
        Step("number_day", """
            SELECT {d_number} AS number, d.day, fd.first_day,
                   coalesce(o.outbound, 0) AS outbound, coalesce(o.messages, 0) AS messages,
                   coalesce(o.calls, 0) AS calls,
                   o.first_out_t, o.last_out_t,
                   coalesce(f.flares, 0) AS flares, coalesce(f.max_burst, 0) AS max_burst, f.first_flare_tod, f.first_flare_t,
                   coalesce(fr.flare_recipients, 0) AS flare_recipients,
                   coalesce(r.matched_days, 0) AS matched_days,
                   coalesce(st.returning, 0) AS returning,
                   coalesce(i.inbound_parties, 0) AS inbound_parties, coalesce(i.short_parties, 0) AS short_parties,
                   coalesce(i.called_back, 0) AS called_back, coalesce(i.confirmed, 0) AS confirmed,
                   coalesce(rl.relayed, 0) AS relayed, coalesce(i.repeat_parties, 0) AS repeat_parties,
                   dist.median_km, coalesce(dist.located, 0) AS located
            FROM days d
            LEFT JOIN first_days fd ON d.number = fd.number
            LEFT JOIN out_day o ON d.number = o.number AND d.day = o.day
            LEFT JOIN flare_day f ON d.number = f.number AND d.day = f.day
            LEFT JOIN flare_recipients_day fr ON d.number = fr.number AND d.day = fr.day
            LEFT JOIN regular_day r ON d.number = r.number AND d.day = r.day
            LEFT JOIN stability_day st ON d.number = st.number AND d.day = st.day
            LEFT JOIN inbound_day i ON d.number = i.number AND d.day = i.day
            LEFT JOIN relay_day rl ON d.number = rl.number AND d.day = rl.day
            LEFT JOIN distance_day dist ON d.number = dist.number AND d.day = dist.day"""),
        # for successions: each candidate's potential customers (flare recipients), and handsets
        Step("number_recipients", """
            SELECT {number} AS number, {party} AS party, min(day) AS first_day, max(day) AS last_day, count(*) AS flare_days
            FROM flare_recipient_days GROUP BY number, party"""),
        # everyone a candidate dealt with, either way (a quiet line's customers are its callers and those it texts)
        # days counted in two plain aggregates (per day, then per party): cheaper than count(DISTINCT day).
        # The (number, party, day) keys of `ends` are those of outbound_party_day (a candidate's own events) and
        # inbound_party_day (events to it), already grouped per day: reading those instead of the events in
        # `ends` gives the same keys from several times fewer rows
        Step("number_parties", """
            SELECT {number} AS number, {party} AS party, min(day) AS first_day, max(day) AS last_day, count(day) AS days,
                   CAST(max(inbound) AS BIGINT) AS inbound
            FROM (SELECT number, party, day, max(inbound) AS inbound FROM (
                    SELECT number, party, day, 0 AS inbound FROM outbound_party_day
                    UNION ALL
                    SELECT number, party, day, 1 AS inbound FROM inbound_party_day) u
                  GROUP BY number, party, day) d
            GROUP BY number, party"""),
        # where each caller of a candidate usually is (its commonest cell when it contacted one): the neighbourhood
        # whose own rate of line customers `known_customers` is measured against
        Step("party_cells", """
            SELECT {party} AS party, other_cell AS cell, count(*) AS contacts
            FROM ends WHERE inbound = 1 AND other_cell IS NOT NULL
            GROUP BY party, other_cell"""),
        Step("number_imeis", """
            SELECT {c_number} AS number, c.imei, count(*) AS events, min(c.day) AS first_day, max(c.day) AS last_day
            FROM cevf c WHERE c.a_cand = 1 AND c.imei IS NOT NULL
            GROUP BY c.a, c.imei"""),
    ]
    return [Step(st.name, st.sql.format(**p), st.keep) for st in steps]


# --- the first pass a few lake days at a time -------------------------------------------------------
#
# DuckDB groups the first pass's 100 M rows into some 110 M (number hash, day) groups; the same counts taken a
# day's files at a time keep each hash table to a day's groups (a sixth less CPU at 100 M rows, docs/lines.md).
# Days are taken in *chunks* of consecutive days holding at least `FOLD_CHUNK_BYTES` of files, so a small lake
# is one chunk (one query, as before) and a national one a day per chunk. The lake is written in UTC day folders
# (ingest/stage.py: ``started_at``'s date), and UK civil time is never behind UTC, so every row of day D's
# files falls on local day D or D + 1 (the last hour, in summer time). The fold therefore counts a chunk's files
# together with the groups carried over from the chunk before, keeps the groups of the chunk's own local days
# that reach their threshold (no later file can add to them) and carries the groups of later local days to the
# next chunk. The result is the same rows as `lake_days` over the whole lake. A row in a day folder whose local
# day is before its chunk's first (a lake not written by the importer) would break that argument;
# `lake_strays` counts such rows' groups, and the caller then takes `lake_days` over the whole lake.

FOLD_CHUNK_BYTES = 8_000_000  # about 400 k comms rows: below it a query's own cost outweighs smaller hash tables


def lake_day_files(paths: Sequence[str]) -> dict[int, list[str]] | None:
    """The lake's files by their folder's UTC day (days since 1970-01-01), or None if one is not in a day folder."""
    days: dict[int, list[str]] = {}
    for path in paths:
        m = re.search(r"day=(\d{4})-(\d{2})-(\d{2})", path)
        if not m:
            return None
        day = (datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=UTC) - EPOCH).days
        days.setdefault(day, []).append(path)
    return days


def day_chunks(day_bytes: Mapping[int, int], min_bytes: int) -> list[tuple[int, int]]:
    """Consecutive day ranges (first, last) covering every day from the first to the last, each closed once it
    holds ``min_bytes`` of files (the last takes what is left). Days without files fall inside a range."""
    if not day_bytes:
        return []
    chunks: list[tuple[int, int]] = []
    start, held = min(day_bytes), 0
    last = max(day_bytes)
    for day in range(start, last + 1):
        held += day_bytes.get(day, 0)
        if held >= min_bytes and day < last:
            chunks.append((start, day))
            start, held = day + 1, 0
    chunks.append((start, last))
    return chunks


def chunk_view(chunk: tuple[int, int]) -> str:
    """The name the engine gives the comms view of one chunk's files."""
    return f"ev_{chunk[0]}"


def lake_days_fold(s: LinesSettings, years: Sequence[int], chunks: Sequence[tuple[int, int]]) -> list[Step]:
    """`lake_days` (and `lake_strays`) from the views :func:`chunk_view` of each of ``chunks``, one at a time.

    ``chunks`` are consecutive (each starts the day after the one before ends), as :func:`day_chunks` makes them,
    so that every carried group meets the chunk that holds its day.
    """
    p = _params(s, years)
    sides = _lake_sides(p)
    steps: list[Step] = []
    for i, (first, last) in enumerate(chunks):
        if i and first != chunks[i - 1][1] + 1:
            raise ValueError(f"chunks must be consecutive: {chunks[i - 1]} then {(first, last)}")
        parts = []
        for side, end, where, need in sides:
            rows = [f"SELECT hash({end}) AS h, {p['day32']} AS day, 1 AS n FROM {chunk_view((first, last))} WHERE {where}"]
            if i:
                rows.append(f"SELECT h, day, n FROM lake_part_{i - 1} WHERE side = '{side}' AND day >= {first}")
            parts.append(f"""
                SELECT h, day, '{side}' AS side, n FROM (
                  SELECT h, day, sum(n) AS n FROM ({" UNION ALL ".join(rows)}) x
                  GROUP BY h, day HAVING day < {first} OR day > {last} OR sum(n) >= {need}) y""")
        steps.append(Step(f"lake_part_{i}", " UNION ALL ".join(parts)))
    threshold = "CASE " + " ".join(f"WHEN side = '{side}' THEN {n}" for side, _, _, n in sides) + " END"
    done = [f"SELECT h, day, side FROM lake_part_{i} WHERE day >= {first} AND day <= {last}"
            for i, (first, last) in enumerate(chunks)]
    done.append(f"SELECT h, day, side FROM lake_part_{len(chunks) - 1} WHERE day > {chunks[-1][1]} AND n >= {threshold}")
    strays = [f"SELECT 1 AS x FROM lake_part_{i} WHERE day < {first}" for i, (first, _) in enumerate(chunks)]
    return steps + [
        Step("lake_strays", f"SELECT count(*) AS groups FROM ({' UNION ALL '.join(strays)}) s"),
        Step("lake_days", " UNION ALL ".join(done)),
    ]


FEATURE_OUTPUTS = ("number_day", "number_recipients", "number_parties", "number_imeis", "party_cells")


# --- phase 2: per line, once numbers are grouped into lines --------------------------------------


def line_steps(s: LinesSettings) -> list[Step]:
    """Customers, runners and cells per line, from phase 1's tables and the registered ``line_map``."""
    p = {"line_number": number_key("number"), "party": number_text("party"), "e_party": number_text("e.party"),
         "d_party": number_text("d.party"), "e_number": number_text("e.number")}
    steps = [
        # the Python side's line map, on the number keys the phase-one tables hold
        Step("line_keys", "SELECT {line_number} AS number, line_id FROM line_map"),
        Step("line_party_day", """
            SELECT m.line_id, x.party, x.day, max(x.potential) AS potential, max(x.contacted) AS contacted,
                   max(x.confirmed) AS confirmed, max(x.called) AS called
            FROM (
              SELECT number, party, day, 1 AS potential, 0 AS contacted, 0 AS confirmed, 0 AS called FROM flare_recipient_days
              UNION ALL
              SELECT number, party, day, 0 AS potential, 1 AS contacted,
                     CASE WHEN answered = 1 OR called_back = 1 THEN 1 ELSE 0 END AS confirmed, called
              FROM party_day
            ) x JOIN line_keys m ON x.number = m.number
            GROUP BY m.line_id, x.party, x.day"""),
        Step("line_daily_people", """
            SELECT line_id, day, CAST(sum(potential) AS BIGINT) AS potential, CAST(sum(confirmed) AS BIGINT) AS confirmed,
                   CAST(sum(contacted) AS BIGINT) AS contacted
            FROM line_party_day GROUP BY line_id, day"""),
        Step("line_parties", """
            SELECT line_id, {party} AS party, CAST(sum(potential) AS BIGINT) AS potential_days, CAST(sum(contacted) AS BIGINT) AS contact_days,
                   CAST(sum(confirmed) AS BIGINT) AS confirmed_days, CAST(sum(called) AS BIGINT) AS call_days, min(day) AS first_day, max(day) AS last_day
            FROM line_party_day GROUP BY line_id, party"""),
        Step("line_direct", """
            SELECT m.line_id, {d_party} AS party, CAST(sum(d.direct_texts) AS BIGINT) AS direct_texts,
                   CAST(sum(d.flare_days) AS BIGINT) AS flare_days, CAST(sum(d.direct_days) AS BIGINT) AS direct_days
            FROM direct_contacts d JOIN line_keys m ON d.number = m.number
            GROUP BY m.line_id, d.party"""),
        Step("line_party_cells", """
            SELECT m.line_id, {e_party} AS party, e.other_cell AS cell, count(*) AS n
            FROM ends e JOIN line_keys m ON e.number = m.number
            WHERE e.other_cell IS NOT NULL GROUP BY m.line_id, e.party, e.other_cell"""),
        Step("line_own_cells", """
            SELECT m.line_id, {e_number} AS number, e.own_cell AS cell, count(*) AS n
            FROM ends e JOIN line_keys m ON e.number = m.number
            WHERE e.own_cell IS NOT NULL GROUP BY m.line_id, e.number, e.own_cell"""),
    ]
    return [Step(st.name, st.sql.format(**p), st.keep) for st in steps]


LINE_OUTPUTS = ("line_daily_people", "line_parties", "line_direct", "line_party_cells", "line_own_cells")

# Tables the steps read that are not steps: the comms lake, the cell sites, and the line map that
# the Python side registers between the phases.
PHASE_ONE_GIVEN = ("ev", "cells")
PHASE_TWO_GIVEN = ("line_map",)
# Phase-one steps that phase two reads again: engines that materialise selectively keep them.
READ_BY_PHASE_TWO = ("flare_recipient_days", "party_day", "direct_contacts", "ends")
KEEP = (*FEATURE_OUTPUTS, *LINE_OUTPUTS, *READ_BY_PHASE_TWO)

"""What the family page shows of claims, each in one prepared statement: this
year at a glance (claims.selectors.glance) and the chronic recognitions in force
(claims.selectors.bills). Compiling the ORM's queries cost more than running
them, and every visit to the family page reads both."""

from claims.models import (
    Bill,
    ChronicRecognition,
    Disease,
    PersonYearTotals,
    PolicyRule,
    RegionalPolicy,
)
from core.sql import statement

GLANCE = statement(
    "claims",
    "year_at_a_glance",
    """
    SELECT
        (SELECT json_agg(json_build_array(x.person_id, x.n, x.total::text, x.fund::text,
                                          x.personal::text))
           FROM (SELECT {b.person} AS person_id, count(*) AS n, sum({b.total}) AS total,
                        sum({b.fund_paid}) AS fund, sum({b.personal_total}) AS personal
                   FROM {b} b
                  WHERE {b.person} = ANY(%(ids)s::bigint[]) AND {b.status} = %(settled)s
                    AND {b.settled_on} BETWEEN %(first)s AND %(last)s
                  GROUP BY {b.person}) AS x),
        (SELECT json_agg(json_build_array({t.person}, {t.care_type}, {t.bills},
                                          {t.fund_paid}::text, {t.deductible_used}::text))
           FROM {t} t
          WHERE {t.person} = ANY(%(ids)s::bigint[]) AND {t.year} = %(year)s),
        (SELECT json_agg(json_build_array({p.region}, {r.insurance_type}, {r.care_type},
                                          {r.deductible}::text, {r.annual_cap}::text,
                                          {r.deductible_scope}))
           FROM {r} r
           JOIN {p} p ON {p.id} = {r.policy}
          WHERE {p.year} = %(year)s AND {p.region} = ANY(%(regions)s::bigint[])
            AND {r.insurance_type} = ANY(%(kinds)s::text[]))
    """,
    serves="family page",
    b=Bill,
    t=PersonYearTotals,
    r=PolicyRule,
    p=RegionalPolicy,
)

RECOGNITIONS = statement(
    "claims",
    "recognitions_in_force",
    """
    SELECT {r.*}, {d.*}
    FROM {r} r
    JOIN {d} d ON {d.id} = {r.disease}
    WHERE {r.person} = ANY(%(ids)s::bigint[]) AND {r.status} = %(approved)s
      AND {r.valid_from} <= %(day)s AND {r.valid_until} >= %(day)s
    ORDER BY {r.applied_at} DESC, {r.id} DESC
    """,
    serves="family page",
    r=ChronicRecognition,
    d=Disease,
)

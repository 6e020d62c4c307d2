"""Which client a `client_ref` names: the inspectorate's way to ask for one client.

A client_ref is a keyed hash (HMAC) of provider and pseudonym (domain/feed_changes.py), so it
cannot be turned back; the clients in the reader's scope are hashed until one matches. That
is one HMAC per client of the ledger, a few tens of milliseconds at 100k measures, paid
only by a request that filters by client_ref. Nothing is stored: the key is the feed's,
and the views never hold it.
"""

from __future__ import annotations

import hmac

from domain.feed_changes import client_ref
from projections.read_paging import Providers, scope, scope_clause
from store.sql import SqlRunner


def client_of_ref(
    sql: SqlRunner, providers: Providers, key: bytes, ref: str
) -> tuple[str, str] | None:
    """(provider_id, client_id) of the measures' client whose client_ref is `ref`, if any."""
    chosen = scope(providers)
    if chosen == []:
        return None
    where, params = scope_clause("provider_id", chosen)
    with sql.transaction(commit=False) as c:
        rows = c.execute(
            f"SELECT DISTINCT provider_id, client_id FROM view_status WHERE 1 = 1{where}", params
        ).fetchall()
    for row in rows:
        if hmac.compare_digest(client_ref(key, row["provider_id"], row["client_id"]), ref):
            return row["provider_id"], row["client_id"]
    return None

"""Issue 17 on the portal: item 4 (server-side sessions, an atomic login limiter with
backoff per login and address), item 6 (deep JSON is a 400) and item 8 (a rep account is
tied to one plan's payee)."""


def test_issue17_item6_json_nested_100000_deep_is_a_400(web):
    r = web.client().post("/api/plans/team-2026/ingest",
                          content="[" * 100_000 + "]" * 100_000,
                          headers={"Content-Type": "application/json",
                                   "Authorization": f"Bearer {web.token}"})
    assert r.status_code == 400
    assert r.json()["error"].startswith("the JSON body is nested too deeply")

"""Issue 17 item 2 in the portal: saving the open period writes the ingested rows into
the save's own temporary folder, never to a file a plan names outside it (a portal save
used to append them to `file: ../../../tmp/x/deals.csv`)."""
import json
import shutil
import tempfile
import uuid
from pathlib import Path

from portal_helpers import post_form


def test_issue17_item2_a_portal_save_never_appends_outside_its_folder(web):
    outside = Path(tempfile.gettempdir()) / f"compplan-outside-{uuid.uuid4().hex[:8]}"
    outside.mkdir()
    target = outside / "deals.csv"
    target.write_text("deal_id,rep_id,close_date,amount,customer\n")
    try:
        r = web.client().post("/api/plans/team-2026/ingest", content=json.dumps([
            {"deal_id": "P-1", "rep_id": "ana", "close_date": "2026-03-20",
             "amount": "10000", "customer": "Acme"}]),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {web.token}"})
        assert r.status_code == 200, r.text
        # a plan from before `file:` was checked: its deals file is outside the folder
        lp = web.portal.plans["team-2026"]
        inputs = lp.compiled.plan.inputs
        inputs["deals"] = inputs["deals"].model_copy(
            update={"file": f"../{outside.name}/deals.csv"})
        admin = web.client("admin")
        r = post_form(admin, "/admin", "/admin/plans/team-2026/save", {},
                      follow_redirects=False)
        assert r.status_code == 409, r.text
        assert "climbs out of the data folder" in r.text
        assert target.read_text() == "deal_id,rep_id,close_date,amount,customer\n"
    finally:
        shutil.rmtree(outside)

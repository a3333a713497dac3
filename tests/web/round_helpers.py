"""What the target-round tests (issue 19) share. The demo store the portal's tests start
from holds the field sample's round already (compplan/web/round_demo.py: accounts rita,
sid, tom, mia and noah, March 2026's proposals in set field-2026-03, round 1); these
tests open another on the same proposals through the portal's own form."""
from compplan.web.round_demo import ASSUMPTIONS, SET  # noqa: F401 - for the tests

from portal_helpers import ROOT

FIELD = ROOT / "plans" / "data" / "field"
KPIS = ROOT / "plans" / "kpis" / "field_month.yaml"
PEOPLE = (FIELD / "people.csv").read_text().splitlines()[1:]  # rita,mia,North ...
